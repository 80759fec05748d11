//! XRPC methods of the corpus: parameters to and from query strings, bodies, errors, unions.

use atproto_lexicons::app::bsky::actor::get_profiles;
use atproto_lexicons::app::bsky::feed::get_timeline;
use atproto_lexicons::com::atproto::repo::{create_record, get_record};
use lexicon_runtime::Error;

#[test]
fn query_parameters_round_trip_through_a_query_string() {
    let params =
        get_timeline::Params::from_query("?limit=10&cursor=abc%20def&unknown=x").expect("valid");
    assert_eq!(params.limit, Some(10));
    assert_eq!(params.cursor.as_deref(), Some("abc def"));
    assert_eq!(params.limit_or_default(), 10);
    assert_eq!(params.to_query(), "limit=10&cursor=abc%20def");
    assert_eq!(
        get_timeline::Params::from_query("")
            .unwrap()
            .limit_or_default(),
        50,
        "schema default"
    );
    assert_eq!(get_timeline::NSID, "app.bsky.feed.getTimeline");
    assert_eq!(get_timeline::KIND, "query");
    assert_eq!(get_timeline::OUTPUT_ENCODING, "application/json");
}

#[test]
fn query_parameters_are_validated() {
    assert!(
        matches!(get_timeline::Params::from_query("limit=500"), Err(Error::Invalid(e)) if e.paths() == ["$.limit"])
    );
    assert!(
        matches!(get_timeline::Params::from_query("limit=ten"), Err(Error::Parse { path, .. }) if path == "$.limit")
    );
    assert!(matches!(
        get_timeline::Params::from_query("limit=%ZZ"),
        Err(Error::Parse { .. })
    ));
}

#[test]
fn array_parameters_are_repeated_keys() {
    let params =
        get_profiles::Params::from_query("actors=alice.example.com&actors=did%3Aplc%3Aabc")
            .unwrap();
    let actors: Vec<&str> = params.actors.iter().map(|a| a.as_str()).collect();
    assert_eq!(actors, ["alice.example.com", "did:plc:abc"]);
    assert_eq!(
        params.to_query(),
        "actors=alice.example.com&actors=did%3Aplc%3Aabc"
    );
    assert!(
        get_profiles::Params::from_query("").is_err(),
        "actors is required"
    );
    let too_many: Vec<String> = (0..26)
        .map(|i| format!("actors=a{i}.example.com"))
        .collect();
    assert!(matches!(
        get_profiles::Params::from_query(&too_many.join("&")),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn procedures_have_typed_bodies_and_errors() {
    let input = create_record::Input::from_json(
        r#"{"repo":"alice.example.com","collection":"app.bsky.feed.like","record":{"$type":"app.bsky.feed.like"}}"#,
    )
    .expect("valid input");
    assert_eq!(input.collection.as_str(), "app.bsky.feed.like");
    assert_eq!(create_record::INPUT_ENCODING, "application/json");
    assert_eq!(
        create_record::CreateRecordError::from_name("InvalidSwap"),
        create_record::CreateRecordError::InvalidSwap
    );
    assert_eq!(
        create_record::CreateRecordError::from_name("Nope").name(),
        "Nope"
    );
    assert_eq!(
        get_record::GetRecordError::RecordNotFound.to_string(),
        "RecordNotFound"
    );
}

mod generic_calls {
    //! Every query and procedure implements `lexicon_runtime::xrpc::Method`, so one generic
    //! function serves them all.

    use atproto_lexicons::com::atproto::repo::{create_record, get_record, upload_blob};
    use atproto_lexicons::com::atproto::server::describe_server;
    use atproto_lexicons::com::atproto::sync::get_repo;
    use lexicon_runtime::xrpc::{ErrorName, Method, MethodKind, NoParams, QueryParams};
    use lexicon_runtime::Mode;

    /// What a transport needs to send a call: method, path and query string.
    fn request_line<M: Method>(params: &M::Params) -> String {
        let query = params.to_query();
        let sep = if query.is_empty() { "" } else { "?" };
        format!("{} /xrpc/{}{sep}{query}", M::HTTP_METHOD, M::NSID)
    }

    #[test]
    fn queries_and_procedures_say_how_they_are_called() {
        let params = get_record::Params::from_query(
            "repo=did:plc:ewvi7nxzyoun6zhxrhs64oiz&collection=app.bsky.feed.post&rkey=3l4m5n6o7p2qa",
        )
        .unwrap();
        assert_eq!(
            request_line::<get_record::GetRecord>(&params),
            "GET /xrpc/com.atproto.repo.getRecord?repo=did%3Aplc%3Aewvi7nxzyoun6zhxrhs64oiz&collection=app.bsky.feed.post&rkey=3l4m5n6o7p2qa"
        );
        assert_eq!(get_record::GetRecord::KIND, MethodKind::Query);
        assert_eq!(create_record::CreateRecord::HTTP_METHOD, "POST");
        assert_eq!(
            create_record::CreateRecord::INPUT_ENCODING,
            Some("application/json")
        );
        assert_eq!(
            request_line::<describe_server::DescribeServer>(&NoParams),
            "GET /xrpc/com.atproto.server.describeServer"
        );
    }

    #[test]
    fn json_bodies_are_validated_and_other_encodings_are_bytes() {
        let input = br#"{"repo": "did:plc:ewvi7nxzyoun6zhxrhs64oiz", "collection": "app.bsky.feed.like", "record": {"$type": "app.bsky.feed.like", "subject": {"uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l4m5n6o7p2qa", "cid": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"}, "createdAt": "2026-11-24T12:00:00.000Z"}}"#;
        let decoded = create_record::CreateRecord::decode_input(input, Mode::Strict).unwrap();
        let again = create_record::CreateRecord::encode_input(&decoded);
        assert_eq!(
            create_record::CreateRecord::decode_input(&again, Mode::Strict).unwrap(),
            decoded
        );
        let bad =
            br#"{"repo": "not an identifier", "collection": "app.bsky.feed.like", "record": {}}"#;
        let err = create_record::CreateRecord::decode_input(bad, Mode::Strict).unwrap_err();
        assert_eq!(err.paths(), ["$.repo"]);
        // `*/*` input and a CAR output are bytes, passed through as they are.
        assert_eq!(upload_blob::UploadBlob::INPUT_ENCODING, Some("*/*"));
        let png = vec![0x89, b'P', b'N', b'G'];
        assert_eq!(upload_blob::UploadBlob::encode_input(&png), png);
        assert_eq!(
            upload_blob::UploadBlob::decode_input(&png, Mode::Strict).unwrap(),
            png
        );
        assert_eq!(
            get_repo::GetRepo::OUTPUT_ENCODING,
            Some("application/vnd.ipld.car")
        );
        assert_eq!(
            get_repo::GetRepo::decode_output(b"car", Mode::Strict).unwrap(),
            b"car"
        );
    }

    #[test]
    fn error_names_map_to_the_methods_typed_errors() {
        fn typed<M: Method>(name: &str) -> M::Error {
            M::Error::from_name(name)
        }
        assert_eq!(
            typed::<get_record::GetRecord>("RecordNotFound"),
            get_record::GetRecordError::RecordNotFound
        );
        let other = typed::<get_record::GetRecord>("RateLimitExceeded");
        assert_eq!(other.name(), "RateLimitExceeded");
        // A method whose lexicon names no errors still carries the name it got.
        assert_eq!(
            typed::<describe_server::DescribeServer>("InternalServerError").name(),
            "InternalServerError"
        );
    }
}
