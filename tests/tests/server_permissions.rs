//! Who may do what, where: every caller × every route the server lists in
//! its OpenAPI document × a target in the caller's own grid, its parent, a
//! sibling and another town, checked against one table ([`RULES`]).
//!
//! The route list comes from `/api/openapi.json`: a route the server lists
//! without a rule here, or a rule for a route it no longer lists, fails the
//! test. (A unit test in `server/src/router.rs` keeps the router and the
//! document in step.)
//!
//! The town is the demo town (青石镇, `--demo`) plus a second town (白云乡)
//! imported in the test. The callers of the field roles work in 石桥村.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Utc};
use gridsafe_core::event::{
    AccidentReported, HazardRejected, MeetingRecorded, TaskCheckRecorded, TaskTarget,
};
use gridsafe_core::{
    AccidentId, Event, EventBody, EventId, HazardId, HazardLevel, Hlc, MeetingId, PhotoHash,
    Sector, TaskId, Username,
};
use gridsafe_server::assessment::DEFAULT_RUBRIC;
use gridsafe_server::calendar::today;
use gridsafe_tests::{PASSWORD, Session, TestServer, png, report};
use reqwest::Method;
use reqwest::blocking::RequestBuilder;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const TOWN: &str = "510001";
const OWN: &str = "510001-01";
const SIBLING: &str = "510001-02";
const OTHER_TOWN: &str = "520001";
const OTHER: &str = "520001-01";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    Inspector,
    Volunteer,
    Office,
    Admin,
    NoToken,
    Expired,
    Revoked,
    /// The console's cookie with its CSRF header (an office account).
    Console,
    /// The console's cookie without the CSRF header.
    ConsoleNoCsrf,
}

const EVERYONE: [Who; 9] = [
    Who::Inspector,
    Who::Volunteer,
    Who::Office,
    Who::Admin,
    Who::NoToken,
    Who::Expired,
    Who::Revoked,
    Who::Console,
    Who::ConsoleNoCsrf,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Target {
    Own,
    Parent,
    Sibling,
    OtherTown,
}

const TARGETS: [Target; 4] = [
    Target::Own,
    Target::Parent,
    Target::Sibling,
    Target::OtherTown,
];

impl Target {
    fn grid(self) -> &'static str {
        match self {
            Target::Own => OWN,
            Target::Parent => TOWN,
            Target::Sibling => SIBLING,
            Target::OtherTown => OTHER,
        }
    }
}

/// What a caller gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// A 2xx answer.
    Allow,
    /// 401: not signed in, or a token that no longer works.
    Unauthorized,
    /// 403: signed in, but not allowed (role, or the CSRF header missing).
    Forbidden,
    /// 404: the record exists, but not for this caller.
    Hidden,
    /// A push answered 200 whose event is rejected as out of scope.
    Refused,
}

/// Who may use a route, before the sign-in checks that every non-public
/// route shares.
#[derive(Clone, Copy, Debug)]
enum Policy {
    /// No sign-in needed.
    Public,
    /// Any signed-in caller.
    Signed,
    /// Any signed-in caller, for a target in their grids; outside them the
    /// given answer.
    Scoped(Want),
    /// A push: accepted in the caller's grids, refused one by one outside.
    Push,
    /// The office and the administrator.
    Office,
    /// The office and the administrator, in their grids; outside them the
    /// given answer.
    OfficeScoped(Want),
    /// An office action on a record: hidden outside the caller's grids,
    /// forbidden inside them to the field roles.
    Action,
    /// The administrator only.
    Admin,
}

/// One row of the table: a route as the OpenAPI document names it, whether
/// its request is about a target grid, and its policy.
struct Rule {
    method: &'static str,
    path: &'static str,
    targeted: bool,
    policy: Policy,
}

const fn rule(method: &'static str, path: &'static str, targeted: bool, policy: Policy) -> Rule {
    Rule {
        method,
        path,
        targeted,
        policy,
    }
}

const RULES: &[Rule] = &[
    rule("GET", "/healthz", false, Policy::Public),
    rule("GET", "/api/openapi.json", false, Policy::Public),
    rule("POST", "/api/v1/auth/login", false, Policy::Public),
    rule("POST", "/api/v1/auth/session", false, Policy::Public),
    rule("GET", "/api/v1/auth/session", false, Policy::Signed),
    rule("DELETE", "/api/v1/auth/session", false, Policy::Signed),
    rule("POST", "/api/v1/sync/push", true, Policy::Push),
    rule("GET", "/api/v1/sync/pull", false, Policy::Signed),
    rule(
        "HEAD",
        "/api/v1/blobs/{sha256}",
        true,
        Policy::Scoped(Want::Hidden),
    ),
    rule(
        "PATCH",
        "/api/v1/blobs/{sha256}",
        true,
        Policy::Scoped(Want::Hidden),
    ),
    rule(
        "PUT",
        "/api/v1/blobs/{sha256}",
        true,
        Policy::Scoped(Want::Hidden),
    ),
    rule(
        "GET",
        "/api/v1/blobs/{sha256}",
        true,
        Policy::Scoped(Want::Hidden),
    ),
    rule(
        "GET",
        "/api/v1/blobs/{sha256}/thumb",
        true,
        Policy::Scoped(Want::Hidden),
    ),
    rule(
        "GET",
        "/api/v1/hazards",
        true,
        Policy::Scoped(Want::Forbidden),
    ),
    rule(
        "GET",
        "/api/v1/hazards/export",
        true,
        Policy::Scoped(Want::Forbidden),
    ),
    rule(
        "GET",
        "/api/v1/hazards/{id}",
        true,
        Policy::Scoped(Want::Hidden),
    ),
    rule("POST", "/api/v1/hazards/{id}/actions", true, Policy::Action),
    rule(
        "GET",
        "/api/v1/points",
        true,
        Policy::Scoped(Want::Forbidden),
    ),
    rule("GET", "/api/v1/grids", false, Policy::Signed),
    rule(
        "GET",
        "/api/v1/grids/{code}/summary",
        true,
        Policy::Scoped(Want::Forbidden),
    ),
    rule(
        "GET",
        "/api/v1/assessment",
        true,
        Policy::Scoped(Want::Forbidden),
    ),
    rule(
        "POST",
        "/api/v1/assessment/preview",
        true,
        Policy::OfficeScoped(Want::Forbidden),
    ),
    rule("GET", "/api/v1/assessment/rubric", false, Policy::Office),
    rule("PUT", "/api/v1/assessment/rubric", false, Policy::Office),
    rule(
        "GET",
        "/api/v1/reports/duty",
        true,
        Policy::OfficeScoped(Want::Forbidden),
    ),
    rule(
        "GET",
        "/api/v1/reports/duty/reminder",
        false,
        Policy::Office,
    ),
    rule("GET", "/api/v1/urgent", false, Policy::Signed),
    rule(
        "GET",
        "/api/v1/tasks",
        true,
        Policy::Scoped(Want::Forbidden),
    ),
    rule(
        "POST",
        "/api/v1/tasks",
        true,
        Policy::OfficeScoped(Want::Forbidden),
    ),
    rule(
        "GET",
        "/api/v1/tasks/{id}",
        true,
        Policy::Scoped(Want::Hidden),
    ),
    rule(
        "GET",
        "/api/v1/records/{kind}",
        true,
        Policy::Scoped(Want::Forbidden),
    ),
    rule(
        "GET",
        "/api/v1/records/{kind}/{id}",
        true,
        Policy::Scoped(Want::Hidden),
    ),
    rule(
        "POST",
        "/api/v1/records/accidents/{id}/impact",
        true,
        Policy::Action,
    ),
    rule(
        "POST",
        "/api/v1/duty",
        true,
        Policy::OfficeScoped(Want::Forbidden),
    ),
    rule(
        "GET",
        "/api/v1/coverage",
        true,
        Policy::Scoped(Want::Forbidden),
    ),
    rule("GET", "/api/v1/devices", false, Policy::Office),
    rule(
        "POST",
        "/api/v1/devices/{id}/revoke",
        true,
        Policy::OfficeScoped(Want::Hidden),
    ),
    rule("GET", "/api/v1/console/config", false, Policy::Signed),
    rule("GET", "/api/v1/inbox", false, Policy::Office),
    rule("POST", "/api/v1/inbox/ack", false, Policy::Office),
    rule("GET", "/api/v1/users", false, Policy::Office),
    rule("POST", "/api/v1/users", true, Policy::Admin),
    rule("PATCH", "/api/v1/users/{name}", true, Policy::Admin),
    rule("POST", "/api/v1/import/{kind}", false, Policy::Admin),
];

/// Whether a caller's grids cover a target.
fn covers(who: Who, target: Target) -> bool {
    match who {
        Who::Admin => true,
        Who::Office | Who::Console | Who::ConsoleNoCsrf => target != Target::OtherTown,
        _ => target == Target::Own,
    }
}

fn is_office(who: Who) -> bool {
    matches!(
        who,
        Who::Office | Who::Admin | Who::Console | Who::ConsoleNoCsrf
    )
}

/// The table's answer for one cell.
fn expected(rule: &Rule, who: Who, target: Target) -> Want {
    if let Policy::Public = rule.policy {
        return Want::Allow;
    }
    match who {
        Who::NoToken | Who::Expired | Who::Revoked => return Want::Unauthorized,
        Who::ConsoleNoCsrf if !matches!(rule.method, "GET" | "HEAD") => return Want::Forbidden,
        _ => {}
    }
    let inside = covers(who, target);
    match rule.policy {
        Policy::Public | Policy::Signed => Want::Allow,
        Policy::Scoped(outside) => {
            if inside {
                Want::Allow
            } else {
                outside
            }
        }
        Policy::Push => {
            if inside {
                Want::Allow
            } else {
                Want::Refused
            }
        }
        Policy::Office => {
            if is_office(who) {
                Want::Allow
            } else {
                Want::Forbidden
            }
        }
        Policy::OfficeScoped(outside) => match (is_office(who), inside) {
            (false, _) => Want::Forbidden,
            (true, true) => Want::Allow,
            (true, false) => outside,
        },
        Policy::Action => match (inside, is_office(who)) {
            (false, _) => Want::Hidden,
            (true, true) => Want::Allow,
            (true, false) => Want::Forbidden,
        },
        Policy::Admin => {
            if who == Who::Admin {
                Want::Allow
            } else {
                Want::Forbidden
            }
        }
    }
}

/// How a request is signed.
#[derive(Clone)]
enum Auth {
    None,
    Bearer(String),
    Cookie { token: String, csrf: Option<String> },
}

impl Auth {
    fn apply(&self, req: RequestBuilder) -> RequestBuilder {
        match self {
            Auth::None => req,
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Cookie { token, csrf } => {
                let req = req.header("cookie", format!("gridsafe_session={token}"));
                match csrf {
                    Some(c) => req.header("x-gridsafe-csrf", c),
                    None => req,
                }
            }
        }
    }
}

/// A caller: how it signs, and the device it pushes as.
struct Caller {
    auth: Auth,
    user: String,
    device: gridsafe_core::DeviceId,
    next_seq: u64,
    last_ms: u64,
}

impl Caller {
    fn event(&mut self, body: EventBody) -> Event {
        let now = Utc::now().timestamp_millis() as u64;
        self.last_ms = now.max(self.last_ms + 1);
        Event {
            id: EventId::new(),
            hlc: Hlc {
                wall_ms: self.last_ms,
                counter: 0,
                node: self.device,
            },
            author: self.user.parse::<Username>().unwrap(),
            device: self.device,
            body,
        }
    }
}

/// A record in each target grid, made by an inspector of that grid (the
/// task by the administrator), and a monitoring point there.
struct Fixture {
    creator: String,
    session: Session,
    hazard: HazardId,
    photo: Vec<u8>,
    sha: PhotoHash,
    meeting: MeetingId,
    accident: AccidentId,
    task: String,
    point: String,
}

struct World {
    s: TestServer,
    fixtures: HashMap<Target, Fixture>,
    callers: HashMap<Who, Caller>,
    counter: u32,
}

fn bearer(s: &TestServer, user: &str) -> Caller {
    let me = s.login(user);
    Caller {
        auth: Auth::Bearer(me.token.clone()),
        user: me.user.clone(),
        device: me.device,
        next_seq: 1,
        last_ms: 0,
    }
}

fn console(s: &TestServer, user: &str, with_csrf: bool) -> Caller {
    let resp = s
        .http()
        .post(s.url("/api/v1/auth/session"))
        .json(&json!({"username": user, "password": PASSWORD}))
        .send()
        .unwrap();
    assert!(resp.status().is_success());
    let set = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    let token = set
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("gridsafe_session=")
        .to_owned();
    let v: Value = resp.json().unwrap();
    Caller {
        auth: Auth::Cookie {
            token,
            csrf: with_csrf.then(|| v["csrf"].as_str().unwrap().to_owned()),
        },
        user: user.to_owned(),
        device: v["device_id"].as_str().unwrap().parse().unwrap(),
        next_seq: 1,
        last_ms: 0,
    }
}

/// A caller of each kind. `m-insp`, `m-vol` work in 石桥村, `m-office` in the
/// town; the expired and revoked tokens are the inspector's.
fn caller(w: &World, who: Who) -> Caller {
    let s = &w.s;
    match who {
        Who::Inspector => bearer(s, "m-insp"),
        Who::Volunteer => bearer(s, "m-vol"),
        Who::Office => bearer(s, "m-office"),
        Who::Admin => bearer(s, "m-admin"),
        Who::NoToken => Caller {
            auth: Auth::None,
            user: "nobody".into(),
            device: gridsafe_core::DeviceId::new(),
            next_seq: 1,
            last_ms: 0,
        },
        Who::Expired => {
            let c = bearer(s, "m-insp");
            let Auth::Bearer(t) = &c.auth else {
                unreachable!()
            };
            let db = rusqlite::Connection::open(s.data_dir().join("server/gridsafe.db")).unwrap();
            let hash = hex::encode(Sha256::digest(t.as_bytes()));
            let n = db
                .execute(
                    "UPDATE tokens SET expires_at = '2000-01-01T00:00:00+00:00' WHERE hash = ?1",
                    [hash],
                )
                .unwrap();
            assert_eq!(n, 1, "the token is stored by its hash");
            c
        }
        Who::Revoked => {
            let c = bearer(s, "m-insp");
            s.cli_ok(&["device", "revoke", &c.device.to_string()], None);
            c
        }
        Who::Console => console(s, "m-office", true),
        Who::ConsoleNoCsrf => console(s, "m-office", false),
    }
}

/// The request of a route for a target, as `caller` would send it.
fn request(w: &mut World, rule: &Rule, who: Who, target: Target) -> (Method, String, Body) {
    w.counter += 1;
    let n = w.counter;
    let grid = target.grid();
    let fx = &w.fixtures[&target];
    let sha = fx.sha.to_string();
    let path = match (rule.method, rule.path) {
        ("GET", "/healthz") | ("GET", "/api/openapi.json") => rule.path.to_owned(),
        ("POST", "/api/v1/auth/login") => {
            return (
                Method::POST,
                rule.path.into(),
                Body::Json(json!({"username": "m-insp", "password": PASSWORD})),
            );
        }
        ("POST", "/api/v1/auth/session") => {
            return (
                Method::POST,
                rule.path.into(),
                Body::Json(json!({"username": "m-office", "password": PASSWORD})),
            );
        }
        ("GET", "/api/v1/auth/session") | ("DELETE", "/api/v1/auth/session") => {
            rule.path.to_owned()
        }
        ("POST", "/api/v1/sync/push") => {
            let c = w.callers.get_mut(&who).unwrap();
            let ev = c.event(report(grid, Sector::Fire, HazardLevel::General, vec![]).1);
            let body = json!({"device": c.device, "events": [{"seq": c.next_seq, "event": ev}]});
            return (Method::POST, rule.path.into(), Body::Json(body));
        }
        ("GET", "/api/v1/sync/pull") => "/api/v1/sync/pull?since=0".into(),
        (m, "/api/v1/blobs/{sha256}") => {
            let path = format!("/api/v1/blobs/{sha}");
            let body = match m {
                "PUT" => Body::Bytes("application/octet-stream", fx.photo.clone()),
                "PATCH" => Body::Patch(fx.photo.clone()),
                _ => Body::None,
            };
            return (m.parse().unwrap(), path, body);
        }
        ("GET", "/api/v1/blobs/{sha256}/thumb") => format!("/api/v1/blobs/{sha}/thumb"),
        ("GET", "/api/v1/hazards") => format!("/api/v1/hazards?grid={grid}"),
        ("GET", "/api/v1/hazards/export") => {
            format!("/api/v1/hazards/export?grid={grid}&format=csv")
        }
        ("GET", "/api/v1/hazards/{id}") => format!("/api/v1/hazards/{}", fx.hazard),
        ("POST", "/api/v1/hazards/{id}/actions") => {
            // A fresh hazard each time: the action changes it.
            let fx = w.fixtures.get_mut(&target).unwrap();
            let (hazard, body) = report(grid, Sector::Gas, HazardLevel::General, vec![]);
            let ev = fx.session.event(body);
            assert_eq!(fx.session.push_one(&ev)["verdict"], "accepted");
            let action = EventBody::HazardRejected(HazardRejected {
                hazard,
                reason: "重复上报".into(),
                duplicate_of: None,
            });
            return (
                Method::POST,
                format!("/api/v1/hazards/{hazard}/actions"),
                Body::Json(serde_json::to_value(action).unwrap()),
            );
        }
        ("GET", "/api/v1/points") => format!("/api/v1/points?grid={grid}"),
        ("GET", "/api/v1/grids") => rule.path.into(),
        ("GET", "/api/v1/grids/{code}/summary") => format!("/api/v1/grids/{grid}/summary"),
        ("GET", "/api/v1/assessment") => {
            format!("/api/v1/assessment?grid={grid}&period={}", year())
        }
        ("POST", "/api/v1/assessment/preview") => {
            return (
                Method::POST,
                format!("/api/v1/assessment/preview?grid={grid}&period={}", year()),
                Body::Bytes("application/toml", DEFAULT_RUBRIC.as_bytes().to_vec()),
            );
        }
        ("GET", "/api/v1/assessment/rubric") => rule.path.into(),
        ("PUT", "/api/v1/assessment/rubric") => {
            // The rubric that ships: saving it changes no score.
            return (
                Method::PUT,
                rule.path.into(),
                Body::Bytes("application/toml", DEFAULT_RUBRIC.as_bytes().to_vec()),
            );
        }
        ("GET", "/api/v1/reports/duty") => {
            format!(
                "/api/v1/reports/duty?grid={grid}&period={}&format=xlsx",
                year()
            )
        }
        ("GET", "/api/v1/reports/duty/reminder") => rule.path.into(),
        ("GET", "/api/v1/urgent") => rule.path.into(),
        ("GET", "/api/v1/tasks") => format!("/api/v1/tasks?grid={grid}"),
        ("POST", "/api/v1/tasks") => {
            return (Method::POST, rule.path.into(), Body::Json(task(grid, n)));
        }
        ("GET", "/api/v1/tasks/{id}") => format!("/api/v1/tasks/{}", fx.task),
        ("GET", "/api/v1/records/{kind}") => format!("/api/v1/records/meetings?grid={grid}"),
        ("GET", "/api/v1/records/{kind}/{id}") => {
            format!("/api/v1/records/meetings/{}", fx.meeting)
        }
        ("POST", "/api/v1/records/accidents/{id}/impact") => {
            return (
                Method::POST,
                format!("/api/v1/records/accidents/{}/impact", fx.accident),
                Body::Json(json!({"bad_social_impact": n.is_multiple_of(2)})),
            );
        }
        ("POST", "/api/v1/duty") => {
            return (
                Method::POST,
                rule.path.into(),
                Body::Json(json!({"grid": grid, "points": [fx.point], "on": n.is_multiple_of(2)})),
            );
        }
        ("GET", "/api/v1/coverage") => format!("/api/v1/coverage?grid={grid}"),
        ("GET", "/api/v1/devices") => rule.path.into(),
        ("POST", "/api/v1/devices/{id}/revoke") => {
            // A fresh device of the target's inspector each time.
            let phone = w.s.login(&w.fixtures[&target].creator);
            return (
                Method::POST,
                format!("/api/v1/devices/{}/revoke", phone.device),
                Body::Json(json!({})),
            );
        }
        ("GET", "/api/v1/console/config") => rule.path.into(),
        ("GET", "/api/v1/inbox") => rule.path.into(),
        ("POST", "/api/v1/inbox/ack") => {
            return (
                Method::POST,
                rule.path.into(),
                Body::Json(json!({"up_to": 0})),
            );
        }
        ("GET", "/api/v1/users") => rule.path.into(),
        ("POST", "/api/v1/users") => {
            return (
                Method::POST,
                rule.path.into(),
                Body::Json(json!({
                    "name": format!("new-{n}"), "role": "inspector",
                    "grids": [grid], "password": "password-456",
                })),
            );
        }
        ("PATCH", "/api/v1/users/{name}") => {
            return (
                Method::PATCH,
                format!("/api/v1/users/{}", fx.creator),
                Body::Json(json!({"grids": [grid]})),
            );
        }
        ("POST", "/api/v1/import/{kind}") => {
            return (
                Method::POST,
                "/api/v1/import/grids?filename=grids.csv".into(),
                Body::Bytes(
                    "application/octet-stream",
                    format!("code,name,parent_code,level,responsible\n{OTHER},白云村,{OTHER_TOWN},village,\n")
                        .into_bytes(),
                ),
            );
        }
        (m, p) => panic!("no request written for {m} {p}"),
    };
    (rule.method.parse().unwrap(), path, Body::None)
}

/// This year, as an assessment period.
fn year() -> i32 {
    today().year()
}

/// A task issued in a grid, with that grid as its one target.
fn task(grid: &str, n: u32) -> Value {
    json!({
        "kind": "holiday_check", "title": format!("节日检查 {n}"), "grid": grid,
        "targets": [{"kind": "grid", "code": grid}],
        "due": today() + chrono::Duration::days(30),
    })
}

enum Body {
    None,
    Json(Value),
    Bytes(&'static str, Vec<u8>),
    /// A whole photo as one resumable-upload chunk.
    Patch(Vec<u8>),
}

/// Sends one cell's request and names what came back.
fn outcome(w: &mut World, rule: &Rule, who: Who, target: Target) -> (Want, String) {
    let (method, path, body) = request(w, rule, who, target);
    // Signing out ends the token: that cell signs in afresh.
    let fresh;
    let auth = if rule.method == "DELETE" && rule.path == "/api/v1/auth/session" {
        fresh = caller(w, who);
        &fresh.auth
    } else {
        &w.callers[&who].auth
    };
    let mut req = w.s.http().request(method, w.s.url(&path));
    req = match body {
        Body::None => req,
        Body::Json(v) => req.json(&v),
        Body::Bytes(ct, b) => req.header("content-type", ct).body(b),
        Body::Patch(b) => req
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", "0")
            .header("upload-length", b.len().to_string())
            .body(b),
    };
    let resp = auth.apply(req).send().unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().unwrap_or_default();
    let detail = format!("{status} {}", text.chars().take(200).collect::<String>());
    let got = match status {
        200..=299 if rule.path == "/api/v1/sync/push" => {
            let v: Value = serde_json::from_str(&text).unwrap();
            let c = w.callers.get_mut(&who).unwrap();
            c.next_seq = v["taken_through"].as_u64().unwrap() + 1;
            match (
                v["results"][0]["verdict"].as_str(),
                v["results"][0]["code"].as_str(),
            ) {
                (Some("accepted"), _) => Want::Allow,
                (Some("rejected"), Some("out_of_scope")) => Want::Refused,
                _ => return (Want::Allow, format!("unexpected push result {detail}")),
            }
        }
        200..=299 => Want::Allow,
        401 => Want::Unauthorized,
        403 => Want::Forbidden,
        404 => Want::Hidden,
        _ => return (Want::Allow, format!("unexpected status {detail}")),
    };
    // Every refusal is the API's JSON error.
    if status >= 400 && rule.method != "HEAD" {
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !v["error"]["code"].is_string() || !v["error"]["message"].is_string() {
            return (got, format!("not a JSON error: {detail}"));
        }
    }
    (got, detail)
}

fn world() -> World {
    let s = TestServer::start_with(&["--demo"]);
    let grids = s.write_file(
        "town2.csv",
        format!(
            "code,name,parent_code,level,responsible\n{OTHER_TOWN},白云乡,,town,\n{OTHER},白云村,{OTHER_TOWN},village,\n"
        )
        .as_bytes(),
    );
    s.cli_ok(&["grid", "import", grids.to_str().unwrap()], None);
    s.add_user("m-insp", "inspector", &[OWN]);
    s.add_user("m-vol", "volunteer", &[OWN]);
    s.add_user("m-office", "office", &[TOWN]);
    s.add_user("m-admin", "admin", &[]);
    let mut points = String::from("code,name,kind,grid_code,lat,lon,monitor\n");
    for (i, t) in TARGETS.into_iter().enumerate() {
        points.push_str(&format!("PP-{i},测试滑坡点{i},landslide,{},,,\n", t.grid()));
    }
    let points = s.write_file("points.csv", points.as_bytes());
    s.cli_ok(&["point", "import", points.to_str().unwrap()], None);
    let admin = s.login("m-admin");
    let mut fixtures = HashMap::new();
    for (i, t) in TARGETS.into_iter().enumerate() {
        let creator = format!("c-{}", i);
        s.add_user(&creator, "inspector", &[t.grid()]);
        let mut session = s.login(&creator);
        let photo = png(32, 24, i as u8);
        let sha = PhotoHash::of(&photo);
        let (hazard, body) = report(
            t.grid(),
            Sector::Fire,
            HazardLevel::General,
            vec![sha.clone()],
        );
        let ev = session.event(body);
        assert_eq!(session.push_one(&ev)["verdict"], "accepted");
        let r = session
            .http
            .put(session.url(&format!("/api/v1/blobs/{sha}")))
            .bearer_auth(&session.token)
            .header("content-type", "application/octet-stream")
            .body(photo.clone())
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        let meeting = MeetingId::new();
        let ev = session.event(EventBody::MeetingRecorded(MeetingRecorded {
            meeting,
            grid: t.grid().parse().unwrap(),
            held_on: today(),
            topic: "安全生产例会".into(),
            attendees: vec![],
            minutes: None,
            photos: vec![],
        }));
        assert_eq!(session.push_one(&ev)["verdict"], "accepted");
        let accident = AccidentId::new();
        let ev = session.event(EventBody::AccidentReported(AccidentReported {
            accident,
            grid: t.grid().parse().unwrap(),
            sector: Sector::Gas,
            occurred_at: Utc::now() - chrono::Duration::hours(1),
            place: "村委会旁".into(),
            deaths: 0,
            injuries: 1,
            description: "液化气罐泄漏起火".into(),
            location: None,
            photos: vec![],
        }));
        assert_eq!(session.push_one(&ev)["verdict"], "accepted");
        let (status, made) = admin.post("/api/v1/tasks", &task(t.grid(), 0));
        assert_eq!(status.as_u16(), 201, "{made}");
        fixtures.insert(
            t,
            Fixture {
                creator,
                session,
                hazard,
                photo,
                sha,
                meeting,
                accident,
                task: made["task"].as_str().unwrap().to_owned(),
                point: format!("PP-{i}"),
            },
        );
    }
    let mut w = World {
        s,
        fixtures,
        callers: HashMap::new(),
        counter: 0,
    };
    for who in EVERYONE {
        let c = caller(&w, who);
        w.callers.insert(who, c);
    }
    w
}

#[test]
fn every_route_every_caller_every_grid_as_the_table_says() {
    let mut w = world();

    // The routes the server lists, and those the table has rules for.
    let (_, doc) = gridsafe_tests::send(w.s.http().get(w.s.url("/api/openapi.json")));
    let mut listed = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete", "head"].contains(&method.as_str()) {
                listed.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let ruled: BTreeSet<(String, String)> = RULES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let unruled: Vec<_> = listed.difference(&ruled).collect();
    assert!(
        unruled.is_empty(),
        "routes without a rule in the permission table: {unruled:?}"
    );
    let stale: Vec<_> = ruled.difference(&listed).collect();
    assert!(
        stale.is_empty(),
        "rules for routes the server does not list: {stale:?}"
    );

    let mut wrong = Vec::new();
    let mut cells = 0;
    for rule in RULES {
        let targets: &[Target] = if rule.targeted {
            &TARGETS
        } else {
            &[Target::Own]
        };
        for &target in targets {
            for who in EVERYONE {
                let want = expected(rule, who, target);
                let (got, detail) = outcome(&mut w, rule, who, target);
                cells += 1;
                if got != want || detail.starts_with("unexpected") || detail.starts_with("not a") {
                    wrong.push(format!(
                        "{} {} as {who:?} on {target:?}: want {want:?}, got {got:?} ({detail})",
                        rule.method, rule.path
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(cells > 400, "only {cells} cells");
}

/// A town task with a target in each of two villages: each village's
/// inspector sees the task, but only the checks done in their own village,
/// as their phone's pull would; the office sees both.
#[test]
fn a_task_shows_each_check_only_to_those_who_see_its_grid() {
    let s = TestServer::start_with(&["--demo"]);
    s.add_user("m-insp", "inspector", &[OWN]);
    s.add_user("m-sib", "inspector", &[SIBLING]);
    s.add_user("m-office", "office", &[TOWN]);
    let office = s.login("m-office");
    let (status, made) = office.post(
        "/api/v1/tasks",
        &json!({
            "kind": "holiday_check", "title": "节日检查", "grid": TOWN,
            "targets": [{"kind": "grid", "code": OWN}, {"kind": "grid", "code": SIBLING}],
            "due": today() + chrono::Duration::days(30),
        }),
    );
    assert_eq!(status.as_u16(), 201, "{made}");
    let task: TaskId = made["task"].as_str().unwrap().parse().unwrap();
    let mut own = s.login("m-insp");
    let mut sibling = s.login("m-sib");
    for (session, grid) in [(&mut own, OWN), (&mut sibling, SIBLING)] {
        let ev = session.event(EventBody::TaskCheckRecorded(TaskCheckRecorded {
            task,
            target: TaskTarget::Grid(grid.parse().unwrap()),
            grid: grid.parse().unwrap(),
            results: vec![],
            hazards: vec![],
            note: Some(format!("{grid} 的检查")),
            location: None,
            photos: vec![],
        }));
        assert_eq!(session.push_one(&ev)["verdict"], "accepted");
    }
    let checks = |session: &Session| -> Vec<String> {
        let (status, detail) = session.get(&format!("/api/v1/tasks/{task}"));
        assert_eq!(status.as_u16(), 200, "{detail}");
        let mut grids: Vec<String> = detail["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "task_check_recorded")
            .map(|e| e["body"]["data"]["grid"].as_str().unwrap().to_owned())
            .collect();
        grids.sort();
        grids
    };
    assert_eq!(checks(&own), [OWN]);
    assert_eq!(checks(&sibling), [SIBLING]);
    assert_eq!(checks(&office), [OWN, SIBLING]);
}
