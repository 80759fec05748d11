//! A browser for the reference PDS's OAuth sign-in page, without a person: it does over HTTP
//! what the page's script does (`@atproto/oauth-provider`'s UI): load the authorization page
//! (its cookies: device, session, CSRF), sign in and consent through the page's API
//! (`/@atproto/oauth-provider/~api/sign-in` and `/consent`, same-origin, CSRF header), then
//! follow the redirect page to the client's redirect URI.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{json, Value};

const API: &str = "/@atproto/oauth-provider/~api";

/// A browser's cookie jar for one origin, and what it needs to act as the page.
struct Page {
    http: reqwest::Client,
    origin: String,
    referer: String,
    cookies: BTreeMap<String, String>,
}

impl Page {
    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let text = value.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies
                    .insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// POSTs to the page's API as its script does; the JSON answer, or the status and body.
    async fn api(&mut self, endpoint: &str, body: Value) -> Result<Value, String> {
        let csrf = self.cookies.get("csrf-token").cloned().unwrap_or_default();
        let response = self
            .http
            .post(format!("{}{API}{endpoint}", self.origin))
            .header("origin", &self.origin)
            .header("referer", &self.referer)
            .header("sec-fetch-mode", "same-origin")
            .header("sec-fetch-site", "same-origin")
            .header("sec-fetch-dest", "empty")
            .header("x-csrf-token", csrf)
            .header(COOKIE, self.cookie_header())
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        self.keep_cookies(response.headers());
        let status = response.status();
        let text = response.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{endpoint}: HTTP {status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{endpoint}: {e}: {text}"))
    }
}

/// Signs in as `username` on the authorization page at `url` and consents; returns the URL the
/// browser is sent back to (the client's redirect URI with `state`, `iss` and `code`).
pub async fn sign_in_and_consent(
    url: &str,
    username: &str,
    password: &str,
) -> Result<String, String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    let origin = parsed.origin().ascii_serialization();
    let response = http
        .get(url)
        .header("sec-fetch-mode", "navigate")
        .header("sec-fetch-dest", "document")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let mut page = Page {
        http,
        origin,
        referer: url.to_owned(),
        cookies: BTreeMap::new(),
    };
    page.keep_cookies(response.headers());
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(format!("the authorization page: HTTP {status}: {body}"));
    }
    let signed_in = page
        .api(
            "/sign-in",
            json!({ "locale": "en", "username": username, "password": password, "remember": true }),
        )
        .await?;
    let did = signed_in["account"]["did"]
        .as_str()
        .ok_or_else(|| format!("sign-in: no account.did in {signed_in}"))?
        .to_owned();
    let consented = page.api("/consent", json!({ "did": did })).await?;
    let redirect = consented["url"]
        .as_str()
        .ok_or_else(|| format!("consent: no url in {consented}"))?;
    // The page navigates to the redirect page, which sends the browser on to the client.
    let response = page
        .http
        .get(redirect)
        .header("sec-fetch-mode", "navigate")
        .header("sec-fetch-dest", "document")
        .header("sec-fetch-site", "same-origin")
        .header("referer", &page.referer)
        .header(COOKIE, page.cookie_header())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    match response.headers().get(LOCATION) {
        Some(location) => Ok(location.to_str().map_err(|e| e.to_string())?.to_owned()),
        None => Err(format!(
            "the redirect page did not redirect: HTTP {}: {}",
            response.status(),
            response.text().await.unwrap_or_default()
        )),
    }
}

/// Runs `command`, a program that signs in as a loopback OAuth client (it prints `open <URL>`
/// as the first line of its standard error, then waits for the browser), does the browser's
/// part as `username`, and returns the program's output once it exits, standard error whole.
/// Both pipes are read while the program runs, so a program that writes much cannot stall.
pub async fn run_signing_in(
    mut command: tokio::process::Command,
    username: &str,
    password: &str,
) -> Result<std::process::Output, String> {
    use tokio::io::AsyncBufReadExt as _;

    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("starting {command:?}: {e}"))?;
    let stderr = child.stderr.take().ok_or("the program's standard error")?;
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    let first = lines
        .next_line()
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the program ended without printing a URL to open")?;
    let rest = async {
        let mut rest = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    };
    let run = async {
        let status = sign_in_for_command(&first, username, password).await?;
        if status != 200 {
            return Err(format!("the program's loopback listener answered {status}"));
        }
        child.wait_with_output().await.map_err(|e| e.to_string())
    };
    let (output, rest) = tokio::join!(run, rest);
    let mut output = output?;
    output.stderr = format!("{first}\n{rest}").into_bytes();
    Ok(output)
}

/// The browser's part of a command-line program's loopback sign-in: the program printed
/// `line` (`open <URL>`); signs in as `username` and consents, then goes back to the program's
/// loopback listener, as the browser would, and returns the page's HTTP status.
async fn sign_in_for_command(line: &str, username: &str, password: &str) -> Result<u16, String> {
    let url = line
        .strip_prefix("open ")
        .ok_or_else(|| format!("the program printed {line:?}, not `open <URL>`"))?;
    let back = sign_in_and_consent(url, username, password).await?;
    if !back.starts_with("http://127.0.0.1:") {
        return Err(format!(
            "the sign-in went back to {back}, not to a loopback listener"
        ));
    }
    let page = reqwest::get(&back)
        .await
        .map_err(|e| format!("GET {back}: {e}"))?;
    Ok(page.status().as_u16())
}
