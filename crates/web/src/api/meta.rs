//! Health and the OpenAPI document, generated from the route table.

use crate::routes::{self, Access};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use std::collections::BTreeMap;
use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{ArrayBuilder, Components, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
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

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn integer() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer).format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
}

/// The shape of every error under /api (crate::ctx renders AppError so).
fn error_schema() -> Schema {
    let field = ObjectBuilder::new()
        .property("field", string().description(Some("The input's name")))
        .property("message", string().description(Some("In the caller's language")))
        .required("field")
        .required("message");
    ObjectBuilder::new()
        .property(
            "error",
            ObjectBuilder::new()
                .property("code", string().description(Some("A stable code, such as not_found, forbidden, login_required, invalid, conflict")))
                .property("message", string().description(Some("In the caller's language")))
                .property("fields", ArrayBuilder::new().items(field).description(Some("The inputs to correct (with invalid), each with its message")))
                .required("code")
                .required("message"),
        )
        .required("error")
        .into()
}

/// A path parameter's schema: ids are integers, the rest (file names, tokens, trees) strings.
fn path_schema(name: &str) -> Schema {
    match name {
        "id" | "mid" | "sid" | "cid" => integer().minimum(Some(1)).into(),
        "tree" => string().enum_values(Some(["org", "unit"])).into(),
        _ => string().into(),
    }
}

/// A query parameter's schema, by its name: ids and paging are integers, switches booleans.
fn query_schema(name: &str) -> Schema {
    match name {
        "page" | "per_page" | "org_id" | "unit_id" | "entity_id" | "campaign" | "template" | "org" | "unit" | "node" => integer().into(),
        "include_left" | "current" => ObjectBuilder::new().schema_type(Type::Boolean).into(),
        "format" => string().enum_values(Some(["xlsx", "csv"])).into(),
        "tree" => string().enum_values(Some(["org", "unit"])).into(),
        _ => string().into(),
    }
}

fn json(schema: impl Into<RefOr<Schema>>) -> RefOr<Content> {
    RefOr::T(Content::new(Some(schema.into())))
}

fn error_response(status: u16) -> (String, RefOr<Response>) {
    let what = match status {
        400 => "The request is malformed: a parameter or body that does not parse",
        401 => "Not logged in (or a wrong user name or password)",
        403 => "Not allowed: outside the caller's scope or roles, or an unsafe request from another origin",
        404 => "No such record, or not the caller's to see",
        409 => "In conflict with the record's state (already done, closed, used)",
        413 => "The upload is too large",
        415 => "The body is not application/json",
        422 => "The input does not validate; error.fields says what to correct",
        429 => "Too many failed attempts; wait for Retry-After seconds",
        _ => "An error",
    };
    let mut r = Response::new(what);
    r.content.insert("application/json".into(), json(Ref::from_schema_name("Error")));
    (status.to_string(), RefOr::T(r))
}

/// The OpenAPI 3.1 document of every /api route of the route table.
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
                p.schema = Some(RefOr::T(path_schema(name)));
                params.push(p);
            }
        }
        for (name, desc) in doc.query {
            let mut p = Parameter::new(*name);
            p.parameter_in = ParameterIn::Query;
            p.required = Required::False;
            p.description = Some((*desc).to_string());
            p.schema = Some(RefOr::T(query_schema(name)));
            params.push(p);
        }
        if doc.multipart {
            let mut p = Parameter::new("X-CSRF-Token");
            p.parameter_in = ParameterIn::Header;
            p.required = Required::True;
            p.description = Some("The csrf_token of GET /api/v1/me: an upload is not JSON, so it carries the session's token".into());
            p.schema = Some(RefOr::T(string().into()));
            params.push(p);
        }
        let has_params = !params.is_empty();
        if has_params {
            op.parameters = Some(params.into_iter().map(RefOr::T).collect());
        }
        let writes = matches!(route.method, axum::http::Method::POST | axum::http::Method::PUT | axum::http::Method::PATCH);
        if let Some(req) = doc.request {
            let name = req(&mut schemas);
            let mut body = RequestBody::new();
            let media = if doc.multipart { "multipart/form-data" } else { "application/json" };
            body.content.insert(media.into(), json(Ref::from_schema_name(name)));
            body.required = Some(Required::True);
            op.request_body = Some(RefOr::T(body));
        } else if writes {
            // The handler reads nothing, but an unsafe request under /api is JSON (or carries
            // X-CSRF-Token): send {}.
            let mut body = RequestBody::new();
            body.description = Some("Nothing to send: {} as application/json".into());
            body.content.insert("application/json".into(), json(ObjectBuilder::new().schema_type(Type::Object).description(Some("Empty; its fields are ignored"))));
            op.request_body = Some(RefOr::T(body));
        }
        let mut responses = Responses::new();
        let status = doc.status.unwrap_or(if doc.response.is_some() || !doc.files.is_empty() { 200 } else { 204 });
        let mut ok = Response::new(match status {
            201 => "Created",
            204 => "Done; no content",
            _ => "Success",
        });
        if let Some(resp) = doc.response {
            let name = resp(&mut schemas);
            let schema: RefOr<Schema> = if doc.list { ArrayBuilder::new().items(Ref::from_schema_name(name)).build().into() } else { Ref::from_schema_name(name).into() };
            ok.content.insert("application/json".into(), RefOr::T(Content::new(Some(schema))));
        }
        for media in doc.files {
            ok.content.insert((*media).into(), json(string().content_media_type(*media).description(Some("The file, as a download"))));
        }
        responses.responses.insert(status.to_string(), RefOr::T(ok));
        for (status, resp) in doc.also {
            let mut r = Response::new("Success");
            r.content.insert("application/json".into(), json(Ref::from_schema_name(resp(&mut schemas))));
            responses.responses.insert(status.to_string(), RefOr::T(r));
        }
        // The errors this route can give: what its parameters, body and access rule imply,
        // and what its own doc adds.
        let named = route.path.contains('{');
        let body = doc.request.is_some();
        let mut errors: Vec<u16> = doc.errors.to_vec();
        if has_params || body {
            errors.push(400);
        }
        if !matches!(route.access, Access::Public | Access::Token) {
            errors.push(401);
        }
        if writes || matches!(route.access, Access::Scoped | Access::Roles(_)) {
            errors.push(403);
        }
        if named || route.access == Access::Scoped {
            errors.push(404);
        }
        if writes && (named || body) {
            errors.push(409);
        }
        if writes && !doc.multipart {
            errors.push(415);
        }
        if body {
            errors.push(422);
        }
        errors.sort_unstable();
        errors.dedup();
        for status in errors {
            let (code, r) = error_response(status);
            responses.responses.insert(code, r);
        }
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
        // Two types of the same name would silently document one answer with the other's
        // schema: a programming error every test catches.
        if let Some(before) = components.schemas.get(&name) {
            assert!(serde_json::to_value(before).ok() == serde_json::to_value(&s).ok(), "two types are documented as the schema {name}: give one another name");
        }
        components.schemas.insert(name, s);
    }
    components.schemas.insert("Error".into(), RefOr::T(error_schema()));
    components.security_schemes.insert("session".into(), RefOr::T(SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE)))));
    let mut info = Info::new("Pacesetter 创先争优 API", env!("CARGO_PKG_VERSION"));
    info.description = Some(
        "The JSON API of Pacesetter. Log in with POST /api/v1/auth/login; the session cookie then authenticates. \
         Unsafe methods take a JSON body (Content-Type: application/json) and are refused from other origins. \
         Errors are {\"error\": {\"code\", \"message\", \"fields\"}} with a 4xx status and a message in the caller's language."
            .into(),
    );
    let mut doc = OpenApi::new(info, paths);
    doc.openapi = utoipa::openapi::OpenApiVersion::Version31;
    doc.components = Some(components);
    doc
}
