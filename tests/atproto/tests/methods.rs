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
