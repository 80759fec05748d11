//! Scopes: `atproto`, `transition:generic`, and the permission scopes (`repo:`, `rpc:`,
//! `blob:`), built from generated NSIDs (`Job::NSID`, `ListJobs::NSID`).

/// A set of scopes as a request sends them: space-separated, in the order added, each once.
/// It starts with `atproto`, which every atproto request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Default for Scopes {
    fn default() -> Self {
        Scopes(vec!["atproto".into()])
    }
}

/// What a `repo:` scope lets the client do to records of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepoAction {
    /// Create records.
    Create,
    /// Update records.
    Update,
    /// Delete records.
    Delete,
}

impl Scopes {
    /// `atproto` alone: the account's identity, no access.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a scope as written (`account:email`), once.
    pub fn with(mut self, scope: impl Into<String>) -> Self {
        let scope = scope.into();
        if !self.0.contains(&scope) {
            self.0.push(scope);
        }
        self
    }

    /// `transition:generic`: what an app password allows (the broad scope of today's PDSs).
    pub fn transition_generic(self) -> Self {
        self.with("transition:generic")
    }

    /// `repo:<collection>`: writing records of `collection` (a record type's `NSID`), with
    /// every action, or only `actions`.
    pub fn repo(self, collection: &str, actions: &[RepoAction]) -> Self {
        if actions.is_empty() {
            return self.with(format!("repo:{collection}"));
        }
        let query: Vec<_> = actions
            .iter()
            .map(|a| match a {
                RepoAction::Create => "action=create",
                RepoAction::Update => "action=update",
                RepoAction::Delete => "action=delete",
            })
            .collect();
        self.with(format!("repo:{collection}?{}", query.join("&")))
    }

    /// `rpc:<method>?aud=<service>`: calling `method` (a query or procedure's `NSID`) at the
    /// service `aud` (`did:web:api.example#service`, or `*` for any) through the PDS.
    pub fn rpc(self, method: &str, aud: &str) -> Self {
        self.with(format!("rpc:{method}?aud={}", aud.replace('#', "%23")))
    }

    /// `blob:<mime>`: uploading blobs of a MIME type or family (`image/*`, `*/*`).
    pub fn blob(self, accept: &str) -> Self {
        self.with(format!("blob:{accept}"))
    }

    /// Whether `scope` is one of these.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope)
    }

    /// The scopes, space-separated.
    pub fn as_string(&self) -> String {
        self.0.join(" ")
    }

    /// The scopes of a space-separated string (a token response's `scope`).
    pub fn parse(text: &str) -> Self {
        Scopes(text.split_whitespace().map(str::to_owned).collect())
    }
}

impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_written_as_the_permission_spec_spells_them() {
        let scopes = Scopes::new()
            .transition_generic()
            .repo("dev.cocore.compute.job", &[])
            .repo(
                "dev.cocore.compute.receipt",
                &[RepoAction::Create, RepoAction::Update],
            )
            .rpc(
                "dev.cocore.compute.listJobs",
                "did:web:api.cocore.dev#cocore",
            )
            .blob("image/*")
            .transition_generic();
        assert_eq!(
            scopes.to_string(),
            "atproto transition:generic repo:dev.cocore.compute.job \
             repo:dev.cocore.compute.receipt?action=create&action=update \
             rpc:dev.cocore.compute.listJobs?aud=did:web:api.cocore.dev%23cocore blob:image/*"
        );
        assert_eq!(Scopes::parse(&scopes.to_string()), scopes);
        assert!(scopes.contains("atproto"));
    }
}
