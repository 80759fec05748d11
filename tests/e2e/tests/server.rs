//! `lexicon-xrpc-server` serving `org.example.shelf` (`tests/data/lexicons/xrpc-shelf`: a query
//! with array parameters, a JSON procedure, an image procedure, a subscription), called by
//! clients nobody here wrote, the reference TypeScript `XrpcClient` and `Subscription` (which
//! check every answer against the lexicons with `@atproto/lexicon`), by this project's own
//! client, and by raw HTTP for what no client sends (wrong method, content type, size).

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt as _, StreamExt as _};
use lexicon_runtime::cbor::frame::{read_frame, Frame};
use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::Mode;
use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc::{Client, Error};
use lexicon_xrpc_server::XrpcRouter;
use pds_e2e::shelf::org::example::shelf::{get_items, put_item, subscribe_items, upload_image};
use serde_json::{json, Value};

mod shelf;

use shelf::*;

fn lexicons() -> std::path::PathBuf {
    Path::new(&lexicon_test_support::data_path("lexicons/xrpc-shelf")).to_path_buf()
}

/// The reference TypeScript client, run off the async runtime so the server keeps serving.
async fn reference(url: &str, calls: Value) -> Vec<Value> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        lexicon_test_support::pds::reference_client(&url, &lexicons(), &calls)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_typescript_client_sees_what_the_lexicons_promise() {
    let _deadline = Deadline::start();
    let url = serve(router(true)).await;
    let results = reference(
        &url,
        json!([
            {"call": "org.example.shelf.getItems", "params": {"ids": [1, 2], "tags": ["brass"], "reverse": true}},
            {"call": "org.example.shelf.putItem", "data": {"name": "vase", "tags": ["glass"], "createdAt": "2026-12-02T10:00:00.000Z"}},
            {"call": "org.example.shelf.putItem", "data": {"name": "vase"}},
            {"call": "org.example.shelf.getItems", "params": {"ids": [7]}},
            {"call": "org.example.shelf.getItems", "params": {"ids": [0, 1], "owner": "alice"}},
            {"call": "org.example.shelf.putItem", "data": {"name": "", "tags": ["a", "b", "c", "d", "e", "f"]}},
            {"call": "org.example.shelf.uploadImage", "dataBase64": "iVBORw0KGgo=", "encoding": "image/png"},
            {"lexicon": {"lexicon": 1, "id": "org.example.shelf.getNothing", "defs": {"main": {"type": "query"}}}},
            {"call": "org.example.shelf.getNothing"},
            {"subscribe": "org.example.shelf.subscribeItems", "params": {"cursor": 1}, "take": 2},
            {"subscribe": "org.example.shelf.subscribeItems", "params": {"cursor": 99}}
        ]),
    )
    .await;
    // A query with array parameters: repeated keys, read back as arrays; the output passes
    // the reference validator (the client checks it).
    assert_eq!(results[0]["ok"], true, "{}", results[0]);
    let names: Vec<&str> = results[0]["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["clock", "lamp"]);
    // A procedure with a body.
    assert_eq!(results[1]["ok"], true, "{}", results[1]);
    assert_eq!(
        results[1]["data"],
        json!({"id": 3, "name": "vase", "tags": ["glass"], "createdAt": "2026-12-02T10:00:00.000Z"})
    );
    // Typed errors: the name and message the handler chose, status 400.
    assert_eq!(
        results[2],
        json!({"ok": false, "status": 400, "error": "DuplicateName", "message": "Invalid Request"})
    );
    assert_eq!(
        results[3],
        json!({"ok": false, "status": 400, "error": "ItemNotFound", "message": "no item 7"})
    );
    // Invalid parameters and input: 400 InvalidRequest naming every violation.
    assert_eq!(results[4]["status"], 400);
    assert_eq!(results[4]["error"], "InvalidRequest");
    let message = results[4]["message"].as_str().unwrap();
    assert!(
        message.contains("$.ids[0]") && message.contains("$.owner"),
        "{message}"
    );
    assert_eq!(results[5]["error"], "InvalidRequest");
    let message = results[5]["message"].as_str().unwrap();
    assert!(
        message.contains("$.name") && message.contains("$.tags"),
        "{message}"
    );
    // A body of another encoding.
    assert_eq!(results[6]["data"], json!({"size": 8}));
    // A method the server does not serve.
    assert_eq!(
        results[7],
        json!({"ok": false, "status": 501, "error": "MethodNotImplemented", "message": "Method Not Implemented"})
    );
    // A subscription from a cursor: frames the reference reads and validates.
    assert_eq!(results[8]["ok"], true, "{}", results[8]);
    let messages = results[8]["messages"].as_array().unwrap();
    assert_eq!(
        messages[0]["$type"],
        "org.example.shelf.subscribeItems#added"
    );
    assert_eq!(messages[0]["item"]["name"], "clock");
    assert_eq!(messages[0]["digest"], json!({"$bytes": "AgICAg"}));
    assert_eq!(messages[1]["item"]["name"], "vase");
    // An error frame.
    assert_eq!(results[9]["ok"], false, "{}", results[9]);
    assert_eq!(results[9]["error"], "FutureCursor", "{}", results[9]);
}

#[tokio::test]
async fn our_client_calls_every_method() {
    let _deadline = Deadline::start();
    let url = serve(router(true)).await;
    let client = Client::new(url.as_str()).unwrap();
    let mut params = get_items::Params::new(vec![2, 1]);
    params.limit = Some(1);
    let out = client.query::<get_items::GetItems>(&params).await.unwrap();
    assert_eq!(out.items, [item(2, "clock", &["brass"])]);
    let mut input = put_item::Input::new("kettle");
    input.tags = Some(vec!["steel".into()]);
    let put = client
        .call::<put_item::PutItem>(&NoParams, &input)
        .await
        .unwrap();
    assert_eq!(put, item(3, "kettle", &["steel"]));
    match client.call::<put_item::PutItem>(&NoParams, &input).await {
        Err(Error::Xrpc { error, status, .. }) => {
            assert_eq!(error, put_item::PutItemError::DuplicateName);
            assert_eq!(status, 400);
        }
        other => panic!("{other:?}"),
    }
    let size = client
        .call_with_content_type::<upload_image::UploadImage>(
            &NoParams,
            &vec![0u8; 100],
            "image/jpeg",
        )
        .await
        .unwrap();
    assert_eq!(size.size, 100);
}

#[tokio::test]
async fn requests_no_client_sends_are_refused_with_the_right_status() {
    let _deadline = Deadline::start();
    let url = serve(router(true)).await;
    let items = format!("{url}/xrpc/org.example.shelf.getItems?ids=1");
    let put = format!("{url}/xrpc/org.example.shelf.putItem");
    let (status, body) = raw("POST", &items, None, vec![]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (405, Some("InvalidRequest")),
        "{body}"
    );
    let (status, _) = get(&put).await;
    assert_eq!(status, 405);
    let (status, body) = get(&format!("{url}/xrpc/org.example.shelf.nothing")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (501, Some("MethodNotImplemented"))
    );
    let (status, body) = raw(
        "POST",
        &put,
        Some("text/plain"),
        br#"{"name":"x"}"#.to_vec(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (415, Some("InvalidRequest")),
        "{body}"
    );
    let (status, _) = raw("POST", &put, None, br#"{"name":"x"}"#.to_vec()).await;
    assert_eq!(status, 415);
    let big = format!(r#"{{"name":"x","extra":"{}"}}"#, "a".repeat(5000));
    let (status, body) = raw("POST", &put, Some("application/json"), big.into_bytes()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("PayloadTooLarge")),
        "{body}"
    );
    let (status, body) = raw(
        "POST",
        &put,
        Some("application/json; charset=utf-8"),
        br#"{"name": 7, "tags": ["ok", "much too long"], "createdAt": "soon"}"#.to_vec(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("InvalidRequest")),
        "{body}"
    );
    // A type mismatch does not hide the other violations.
    assert_eq!(
        body["message"],
        "invalid input: $.name: expected a string, got an integer (7); \
         $.tags[1]: string too long: expected at most 10 UTF-8 bytes, got 13; \
         $.createdAt: invalid datetime: expected a datetime string, got \"soon\"",
        "{body}"
    );
    let (status, body) = get(&format!("{url}/xrpc/org.example.shelf.getItems")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("ids"), "{body}");
    let (status, _) = get(&format!(
        "{url}/xrpc/org.example.shelf.getItems?ids=1&limit=x"
    ))
    .await;
    assert_eq!(status, 400);
    let (status, body) = get(&format!("{url}/xrpc/org.example.shelf.subscribeItems")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("InvalidRequest")),
        "{body}"
    );
}

/// Log lines, captured.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn invalid_outputs_and_panics_are_500s_and_logged_and_the_server_keeps_serving() {
    let _deadline = Deadline::start();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let url = serve(router(true)).await;
    let (status, body) = get(&format!("{url}/xrpc/org.example.shelf.getItems?ids=13")).await;
    assert_eq!(status, 500);
    assert_eq!(
        body,
        json!({"error": "InternalServerError", "message": "Internal Server Error"})
    );
    let (status, body) = get(&format!("{url}/xrpc/org.example.shelf.getItems?ids=66")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (500, Some("InternalServerError"))
    );
    let (status, body) = get(&format!("{url}/xrpc/org.example.shelf.getItems?ids=1")).await;
    assert_eq!(status, 200, "{body}");
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("output its lexicon forbids") && log.contains("$.items[0].name"),
        "{log}"
    );
    assert!(
        log.contains("panicked") && log.contains("the shelf collapsed"),
        "{log}"
    );

    // With response validation off, the handler's output goes out as it is.
    let url = serve(router(false)).await;
    let (status, body) = get(&format!("{url}/xrpc/org.example.shelf.getItems?ids=13")).await;
    assert_eq!(status, 200);
    assert_eq!(body["items"][0]["name"], "");
}

#[tokio::test]
async fn subscription_frames_resume_from_the_cursor_and_carry_live_messages() {
    let _deadline = Deadline::start();
    let url = serve(router(true)).await;
    let ws = url.replace("http://", "ws://");
    let nsid = subscribe_items::NSID;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("{ws}/xrpc/{nsid}?cursor=1"))
        .await
        .unwrap();
    let next =
        |frame: tokio_tungstenite::tungstenite::Message| read_frame(&frame.into_data()).unwrap();
    let first = next(socket.next().await.unwrap().unwrap());
    assert!(
        matches!(&first, Frame::Message { t: Some(t), .. } if t == "#added"),
        "{first:?}"
    );
    let message: subscribe_items::Message = first.message(nsid, Mode::Strict).unwrap();
    match message {
        subscribe_items::Message::Added(added) => {
            assert_eq!((added.seq, added.item.name.as_str()), (2, "clock"));
            assert_eq!(added.digest.as_ref(), [2, 2, 2, 2]);
        }
        other => panic!("{other:?}"),
    }
    // A live item, put while the stream is open.
    let client = Client::new(url.as_str()).unwrap();
    let input = put_item::Input::new("rug");
    client
        .call::<put_item::PutItem>(&NoParams, &input)
        .await
        .unwrap();
    let live = next(socket.next().await.unwrap().unwrap());
    let Frame::Message { body, .. } = &live else {
        panic!("{live:?}")
    };
    assert_eq!(body["item"]["name"], "rug");
    assert_eq!(body["seq"], 3);
    socket.close(None).await.unwrap();

    // An invalid cursor: an error frame, then the server closes.
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("{ws}/xrpc/{nsid}?cursor=-1"))
        .await
        .unwrap();
    let error = next(socket.next().await.unwrap().unwrap());
    let Frame::Error { error, message } = error else {
        panic!("{error:?}")
    };
    assert_eq!(error, "InvalidRequest");
    assert!(message.unwrap().contains("$.cursor"));
    let _ = socket
        .send(tokio_tungstenite::tungstenite::Message::Close(None))
        .await;
}

#[tokio::test]
async fn a_configured_prefix_is_where_methods_are_served() {
    let _deadline = Deadline::start();
    let app = XrpcRouter::new()
        .prefix("api/xrpc/")
        .method::<get_items::GetItems>(get_items)
        .with_state(shelf());
    let url = serve(app).await;
    let client = Client::builder(&url)
        .path_prefix("/api/xrpc")
        .build()
        .unwrap();
    let params = get_items::Params::from_query("ids=1").unwrap();
    let out = client.query::<get_items::GetItems>(&params).await.unwrap();
    assert_eq!(out.items[0].name, "lamp");
    let (status, _) = get(&format!("{url}/xrpc/org.example.shelf.getItems?ids=1")).await;
    assert_eq!(status, 404, "nothing is served under the default prefix");
}
