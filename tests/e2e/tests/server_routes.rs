//! `lexicon-xrpc-server`'s methods as axum routes: layers on one method's route apply to it
//! alone (a body limit, an extension its handler reads), and the call is an extractor any axum
//! handler can take.

mod shelf;

use lexicon_test_support::deadline::Deadline;
use lexicon_xrpc_server::axum::Extension;
use lexicon_xrpc_server::{Call, HandlerResult, XrpcError, XrpcRouter};
use pds_e2e::shelf::org::example::shelf::{get_items, put_item, upload_image};
use serde_json::json;
use shelf::*;

/// What a layer on one route tells its handler.
#[derive(Clone)]
struct Aisle(&'static str);

/// `getItems` that names its aisle: the [`Aisle`] a layer on this route inserted, read with an
/// axum extractor through the call.
async fn items_in_aisle(
    mut call: Call<get_items::GetItems, State>,
) -> HandlerResult<get_items::GetItems> {
    let Extension(Aisle(aisle)) = call
        .extract::<Extension<Aisle>>()
        .await
        .map_err(|e| XrpcError::internal(e.to_string()))?;
    Ok(get_items::Output::new(vec![item(1, aisle, &[])]))
}

#[tokio::test]
async fn each_method_is_an_axum_route_with_its_own_layers_and_extractors() {
    let _deadline = Deadline::start();
    use lexicon_runtime::xrpc::Method as _;
    use lexicon_xrpc_server::axum::extract::DefaultBodyLimit;
    use lexicon_xrpc_server::method_router;

    let uploads = method_router::<upload_image::UploadImage, State>(upload_image)
        .layer(DefaultBodyLimit::max(1 << 16));
    let aisles = method_router::<get_items::GetItems, State>(items_in_aisle)
        .layer(Extension(Aisle("north")));
    let app = XrpcRouter::new()
        .route(upload_image::UploadImage::NSID, uploads)
        .route(get_items::GetItems::NSID, aisles)
        .method::<put_item::PutItem>(put_item)
        .body_limit(4096)
        .with_state(shelf());
    let url = serve(app).await;
    // The upload route's own limit overrides the router's 4096 bytes; putItem keeps it.
    let image = format!("{url}/xrpc/org.example.shelf.uploadImage");
    let (status, body) = raw("POST", &image, Some("image/png"), vec![7; 10_000]).await;
    assert_eq!((status, &body["size"]), (200, &json!(10_000)), "{body}");
    let (status, body) = raw("POST", &image, Some("image/png"), vec![7; 70_000]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("PayloadTooLarge")),
        "{body}"
    );
    let big = format!(r#"{{"name":"x","extra":"{}"}}"#, "a".repeat(5000));
    let put = format!("{url}/xrpc/org.example.shelf.putItem");
    let (status, _) = raw("POST", &put, Some("application/json"), big.into_bytes()).await;
    assert_eq!(status, 413);
    // What the layer on getItems inserted reaches its handler, and only its handler.
    let (status, body) = get(&format!("{url}/xrpc/org.example.shelf.getItems?ids=1")).await;
    assert_eq!(
        (status, &body["items"][0]["name"]),
        (200, &json!("north")),
        "{body}"
    );
    // The route still checks the HTTP method, and names the one it takes.
    let response = reqwest::Client::new()
        .delete(format!("{url}/xrpc/org.example.shelf.getItems?ids=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET,HEAD");
}

#[tokio::test]
async fn the_call_is_an_extractor_in_a_plain_axum_route() {
    let _deadline = Deadline::start();
    use lexicon_xrpc_server::axum::routing::post;

    let app = axum_router::Router::new()
        .route(
            "/plain",
            post(|call: Call<put_item::PutItem, State>| async move { call.input.name }),
        )
        .with_state(shelf());
    let url = serve(app).await;
    let (status, body) = raw(
        "POST",
        &format!("{url}/plain"),
        Some("application/json"),
        br#"{"name":"lamp"}"#.to_vec(),
    )
    .await;
    assert_eq!((status, body), (200, json!("lamp")));
    // Refused as the router refuses it: every violation, as an XRPC error.
    let (status, body) = raw(
        "POST",
        &format!("{url}/plain"),
        Some("application/json"),
        br#"{"name":7}"#.to_vec(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str(), body["message"].as_str()),
        (
            400,
            Some("InvalidRequest"),
            Some("invalid input: $.name: expected a string, got an integer (7)")
        ),
        "{body}"
    );
    let (status, _) = raw(
        "POST",
        &format!("{url}/plain"),
        Some("text/plain"),
        b"lamp".to_vec(),
    )
    .await;
    assert_eq!(status, 415);
}
