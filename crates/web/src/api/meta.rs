//! Health and the OpenAPI document, generated from the route table.

use crate::routes::{self, Access};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use std::collections::BTreeMap;
use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{ArrayBuilder, Components, Schema};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Info, OpenApi, Paths, Ref, RefOr, Required, Response, Responses};

pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.schema_version().await {
        Ok(v) => (axum::http::StatusCode::OK, Json(serde_json::json!({"status": "ok", "backend": state.store.backend().name(), "schema_version": v}))),
        Err(e) => {
            tracing::error!("health check failed: {e}");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unavailable", "backend": state.store.backend().name()})))
        }
    }
}

pub async fn openapi() -> impl IntoResponse {
    Json(document())
}

fn method(m: &axum::http::Method) -> HttpMethod {
    match *m {
        axum::http::Method::POST => HttpMethod::Post,
        axum::http::Method::PUT => HttpMethod::Put,
        axum::http::Method::PATCH => HttpMethod::Patch,
        axum::http::Method::DELETE => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

fn error_schema() -> Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .property(
            "error",
            ObjectBuilder::new()
                .property("code", ObjectBuilder::new().schema_type(Type::String))
                .property("message", ObjectBuilder::new().schema_type(Type::String).description(Some("In the caller's language")))
                .required("code")
                .required("message"),
        )
        .required("error")
        .into()
}

/// The OpenAPI 3 document of every /api route of the route table.
pub fn document() -> OpenApi {
    let mut schemas: Vec<(String, RefOr<Schema>)> = Vec::new();
    let mut items: BTreeMap<String, PathItem> = BTreeMap::new();
    for route in routes::table() {
        let Some(doc) = route.api else { continue };
        let mut op = Operation::new();
        op.operation_id = Some(route.name.to_string());
        op.summary = Some(route.summary.to_string());
        op.tags = Some(vec![route.path.trim_start_matches("/api/v1/").split('/').next().unwrap_or("api").to_string()]);
        let access = match route.access {
            Access::Public => "public".to_string(),
            Access::Token => "secret token".to_string(),
            Access::LoggedIn => "any logged-in user".to_string(),
            Access::Scoped => "logged in; the record must be in the caller's scope (403/404 otherwise)".to_string(),
            Access::Roles(r) => format!("roles: {}", r.iter().map(|r| r.code()).collect::<Vec<_>>().join(", ")),
        };
        op.description = Some(format!("Access: {access}."));
        let mut params = Vec::new();
        for seg in route.path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let mut p = Parameter::new(name);
                p.parameter_in = ParameterIn::Path;
                p.required = Required::True;
                params.push(p);
            }
        }
        for (name, desc) in doc.query {
            let mut p = Parameter::new(*name);
            p.parameter_in = ParameterIn::Query;
            p.required = Required::False;
            p.description = Some((*desc).to_string());
            params.push(p);
        }
        if !params.is_empty() {
            op.parameters = Some(params.into_iter().map(RefOr::T).collect());
        }
        if let Some(req) = doc.request {
            let name = req(&mut schemas);
            let mut body = RequestBody::new();
            body.content.insert("application/json".into(), RefOr::T(Content::new(Some(Ref::from_schema_name(name)))));
            body.required = Some(Required::True);
            op.request_body = Some(RefOr::T(body));
        }
        let mut responses = Responses::new();
        let mut ok = Response::new("Success");
        if let Some(resp) = doc.response {
            let name = resp(&mut schemas);
            let schema: RefOr<Schema> = if doc.list { ArrayBuilder::new().items(Ref::from_schema_name(name)).build().into() } else { Ref::from_schema_name(name).into() };
            ok.content.insert("application/json".into(), RefOr::T(Content::new(Some(schema))));
        }
        responses.responses.insert("200".into(), RefOr::T(ok));
        let mut err = Response::new("An error, with a message in the caller's language");
        err.content.insert("application/json".into(), RefOr::T(Content::new(Some(Ref::from_schema_name("Error")))));
        responses.responses.insert("4XX".into(), RefOr::T(err));
        op.responses = responses;
        if route.access != Access::Public {
            op.security = Some(vec![SecurityRequirement::new("session", Vec::<String>::new())]);
        }
        let item = items.entry(route.path.to_string()).or_default();
        item.merge_operations(PathItem::new(method(&route.method), op));
    }
    let mut paths = Paths::new();
    for (p, item) in items {
        paths.paths.insert(p, item);
    }
    let mut components = Components::new();
    for (name, s) in schemas {
        components.schemas.insert(name, s);
    }
    components.schemas.insert("Error".into(), RefOr::T(error_schema()));
    components.security_schemes.insert("session".into(), RefOr::T(SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE)))));
    let mut info = Info::new("Pacesetter 创先争优 API", env!("CARGO_PKG_VERSION"));
    info.description = Some(
        "The JSON API of Pacesetter. Log in with POST /api/v1/auth/login; the session cookie then authenticates. \
         Unsafe methods take a JSON body (Content-Type: application/json) and are refused from other origins. \
         Errors are {\"error\": {\"code\", \"message\"}} with a 4xx status and a message in the caller's language."
            .into(),
    );
    let mut doc = OpenApi::new(info, paths);
    doc.components = Some(components);
    doc
}
