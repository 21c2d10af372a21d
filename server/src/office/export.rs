//! Exports of exactly what the hazard list shows for its filters
//! (`GET /api/v1/hazards/export?format=xlsx|csv|geojson&<the list's filters>`):
//! XLSX with Chinese headers and dates written as people read them
//! (2026年6月30日), CSV in UTF-8 with a BOM so Excel on a Chinese Windows
//! opens it, and GeoJSON for a GIS (hazards without a fix have a null
//! geometry, so the features are the list's total).
//!
//! CSV streams page by page, so a large export never sits in memory; XLSX
//! and GeoJSON are built whole (an XLSX sheet holds at most 1,048,575 rows).
//! In the default order (by time reported) each page continues after the
//! last hazard read, so a long export walks the index once.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use futures_util::StreamExt;
use gridsafe_core::hazard::{self, HazardState};
use gridsafe_core::location::Location;
use gridsafe_core::{GridCode, HazardLevel, HazardStatus, Lang, Sector, StableKey};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::auth::Caller;
use crate::calendar::{local_day, today};
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::office::hazards::{ListQuery, filter_query};
use crate::state::AppState;
use crate::store::{HazardQuery, HazardSort, HazardTotal};

const PAGE: u64 = 500;
const XLSX_MAX_ROWS: u64 = 1_048_575;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportFormat {
    /// `xlsx`, `csv` or `geojson`.
    pub format: String,
}

/// 2026年6月30日.
pub fn zh_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub(crate) fn zh_day(t: DateTime<Utc>) -> String {
    zh_date(local_day(t))
}

pub(crate) const HEADERS: [&str; 20] = [
    "隐患编号",
    "网格编码",
    "所属网格",
    "行业领域",
    "隐患等级",
    "状态",
    "隐患描述",
    "位置",
    "纬度",
    "经度",
    "发现人",
    "发现日期",
    "整改责任",
    "整改时限",
    "整改措施",
    "整改资金(元)",
    "应急预案",
    "挂牌督办",
    "是否逾期",
    "复查次数",
];

/// What an export shows of a hazard. Read straight from a stored state, it
/// borrows the texts and skips the rest (photos, steps, superseded events),
/// which is most of the state's JSON: a million-row export spends its time
/// here.
#[derive(Debug, Deserialize)]
pub(crate) struct ExportView<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    grid: GridCode,
    sector: Sector,
    level: HazardLevel,
    status: HazardStatus,
    #[serde(borrow)]
    description: Cow<'a, str>,
    place: Option<String>,
    location: Option<Fix>,
    #[serde(borrow)]
    reported_by: Cow<'a, str>,
    reported_at: DateTime<Utc>,
    #[serde(borrow)]
    confirmation: Option<ConfirmationView<'a>>,
    #[serde(default, deserialize_with = "present")]
    listed: bool,
    reopened: u32,
}

/// Where a hazard was found; the rest of its [`Location`] is not exported.
#[derive(Debug, Clone, Copy, Deserialize)]
struct Fix {
    lat: f64,
    lon: f64,
}

#[derive(Debug, Deserialize)]
struct ConfirmationView<'a> {
    #[serde(borrow)]
    owner: Cow<'a, str>,
    deadline: Option<NaiveDate>,
    measures: Option<String>,
    funds_yuan: Option<u64>,
    contingency_plan: Option<String>,
}

/// A step that is there (not `null`), whatever it holds.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Option::<IgnoredAny>::deserialize(d).map(|s| s.is_some())
}

impl<'a> ExportView<'a> {
    /// A stored hazard state, as [`crate::store::Store::hazards_json`] gives it.
    pub(crate) fn parse(json: &'a str) -> Result<Self, ApiError> {
        serde_json::from_str(json).map_err(|e| {
            ApiError::internal(anyhow::anyhow!("a stored hazard state does not read: {e}"))
        })
    }

    pub(crate) fn of(h: &'a HazardState) -> Self {
        Self {
            id: h.id.to_string().into(),
            grid: h.grid.clone(),
            sector: h.sector,
            level: h.level,
            status: h.status,
            description: h.description.as_str().into(),
            place: h.place.clone(),
            location: h.location.map(|l: Location| Fix {
                lat: l.lat,
                lon: l.lon,
            }),
            reported_by: h.reported_by.as_str().into(),
            reported_at: h.reported_at,
            confirmation: h.confirmation.as_ref().map(|c| ConfirmationView {
                owner: c.owner.as_str().into(),
                deadline: c.deadline,
                measures: c.measures.clone(),
                funds_yuan: c.funds_yuan,
                contingency_plan: c.contingency_plan.clone(),
            }),
            listed: h.listed.is_some(),
            reopened: h.reopened,
        }
    }

    fn deadline(&self) -> Option<NaiveDate> {
        self.confirmation.as_ref().and_then(|c| c.deadline)
    }

    fn is_overdue(&self, day: NaiveDate) -> bool {
        hazard::is_overdue(self.status, self.deadline(), day)
    }

    /// Where a page ending with this hazard continues, in time order.
    fn keyset(&self) -> (i64, String) {
        (self.reported_at.timestamp_millis(), self.id.to_string())
    }
}

/// One row as text, in the order of [`HEADERS`].
pub(crate) fn row<'v>(
    h: &'v ExportView<'_>,
    catalog: &'v Catalog,
    day: NaiveDate,
) -> [Cow<'v, str>; 20] {
    let c = h.confirmation.as_ref();
    let yes_no = |b: bool| Cow::Borrowed(if b { "是" } else { "否" });
    let text = |t: Option<&'v str>| Cow::Borrowed(t.unwrap_or_default());
    [
        Cow::Borrowed(&*h.id),
        Cow::Borrowed(h.grid.as_str()),
        text(catalog.tree.get(&h.grid).map(|n| n.name.as_str())),
        Cow::Borrowed(h.sector.label(Lang::ZhCn)),
        Cow::Borrowed(h.level.label(Lang::ZhCn)),
        Cow::Borrowed(h.status.label(Lang::ZhCn)),
        Cow::Borrowed(&*h.description),
        text(h.place.as_deref()),
        h.location
            .map(|l| format!("{:.6}", l.lat).into())
            .unwrap_or_default(),
        h.location
            .map(|l| format!("{:.6}", l.lon).into())
            .unwrap_or_default(),
        Cow::Borrowed(&*h.reported_by),
        zh_day(h.reported_at).into(),
        text(c.map(|c| &*c.owner)),
        h.deadline().map(|d| zh_date(d).into()).unwrap_or_default(),
        text(c.and_then(|c| c.measures.as_deref())),
        c.and_then(|c| c.funds_yuan)
            .map(|f| f.to_string().into())
            .unwrap_or_default(),
        text(c.and_then(|c| c.contingency_plan.as_deref())),
        yes_no(h.listed),
        yes_no(h.is_overdue(day)),
        h.reopened.to_string().into(),
    ]
}

/// Where the next page starts: after the last hazard read when the order
/// allows it (an index walk), else by offset.
#[derive(Clone, Default)]
struct Next {
    offset: u64,
    after: Option<(i64, String)>,
    /// Counted with the first page, kept for the rest.
    total: Option<HazardTotal>,
}

impl Next {
    /// After a page of `read` hazards ending with `last`.
    fn advance(
        &self,
        q: &HazardQuery,
        total: HazardTotal,
        read: usize,
        last: Option<(i64, String)>,
    ) -> Next {
        let keyset = matches!(q.sort, HazardSort::ReportedDesc | HazardSort::ReportedAsc);
        Next {
            offset: self.offset + read as u64,
            after: last.filter(|_| keyset),
            total: Some(total),
        }
    }
}

fn page_query(q: &HazardQuery, next: &Next) -> HazardQuery {
    let mut q = q.clone();
    q.known_total = next.total;
    q.offset = next.offset;
    q.after = next.after.clone();
    q.limit = PAGE;
    q
}

fn attachment(resp: &mut Response, mime: &'static str, ext: &str) {
    let name = format!("hazards-{}.{ext}", today());
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    resp.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).expect("ascii"),
    );
}

/// Rows as CSV lines, each cell through [`csv_cell`].
fn csv_lines<R: AsRef<[F]>, F: AsRef<str>>(rows: impl IntoIterator<Item = R>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    for r in rows {
        for f in r.as_ref() {
            w.write_field(csv_cell(f.as_ref()).as_bytes())
                .expect("writing to memory");
        }
        w.write_record(std::iter::empty::<&[u8]>())
            .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// A page of the list: the total (counted with the first page) and each
/// hazard's stored state.
type Page = (HazardTotal, Vec<String>);

/// Reads the list's pages one after another into `tx`, each hazard as its
/// stored JSON, ahead of the pages being turned into the file; stops when
/// the receiver has gone. The first page is sent even when empty, so the
/// total is always known.
async fn read_ahead(
    st: AppState,
    query: HazardQuery,
    tx: tokio::sync::mpsc::Sender<Result<Page, ApiError>>,
) {
    let mut next = Next::default();
    loop {
        let q = page_query(&query, &next);
        let (total, rows) = match st.blocking(move |s| s.hazards_json(&q)).await {
            Ok(page) => page,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        // Only the last hazard is read here, for where the next page starts.
        let last = match rows.last().map(|s| ExportView::parse(s)).transpose() {
            Ok(last) => last.map(|v| v.keyset()),
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        let done = (rows.len() as u64) < PAGE;
        next = next.advance(&query, total, rows.len(), last);
        if tx.send(Ok((total, rows))).await.is_err() || done {
            return;
        }
    }
}

/// The pages of the list, read ahead.
fn pages(st: AppState, query: HazardQuery) -> tokio::sync::mpsc::Receiver<Result<Page, ApiError>> {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::spawn(read_ahead(st, query, tx));
    rx
}

/// Each stored state of a page through `f`, on a blocking thread.
async fn each<T: Send + 'static>(
    rows: Vec<String>,
    f: impl Fn(&ExportView<'_>) -> T + Send + 'static,
) -> Result<Vec<T>, ApiError> {
    tokio::task::spawn_blocking(move || {
        rows.iter()
            .map(|s| ExportView::parse(s).map(|v| f(&v)))
            .collect::<Result<Vec<_>, _>>()
    })
    .await?
}

/// A page of stored hazards as CSV lines.
fn csv_page(rows: &[String], catalog: &Catalog, day: NaiveDate) -> Result<Vec<u8>, ApiError> {
    let views = rows
        .iter()
        .map(|s| ExportView::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(csv_lines(views.iter().map(|h| row(h, catalog, day))))
}

/// A text that Excel would run as a formula (`=HYPERLINK(…)` typed into a
/// description on a phone) gets a leading apostrophe, which Excel shows as
/// text; numbers are left alone.
fn csv_cell(field: &str) -> std::borrow::Cow<'_, str> {
    let risky = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && field.trim().parse::<f64>().is_err() {
        format!("'{field}").into()
    } else {
        field.into()
    }
}

/// The list's hazards as a file.
#[utoipa::path(get, path = "/api/v1/hazards/export", tag = "office", params(ExportFormat, ListQuery),
    responses(
        (status = 200, description = "the file: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, text/csv (UTF-8 with BOM) or application/geo+json"),
        (status = 400, description = "unknown format"),
        (status = 413, description = "more rows than an XLSX sheet holds"),
    ),
    security(("bearer" = [])))]
pub async fn export(
    State(st): State<AppState>,
    caller: Caller,
    Query(f): Query<ExportFormat>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let query = filter_query(&st, &caller, &q).await?;
    let catalog = st.catalog().await?;
    let day = today();
    tracing::info!(user = %caller.user, format = %f.format, "hazard export");
    match f.format.as_str() {
        "csv" => {
            let mut head = b"\xEF\xBB\xBF".to_vec();
            head.extend(csv_lines([HEADERS]));
            // The next pages are read while earlier ones are turned into
            // CSV, two at a time, on blocking threads; they go out in order.
            let rx = pages(st, query);
            let pages = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|page| (page, rx))
            })
            .map(move |page| {
                let catalog = catalog.clone();
                async move {
                    let (_, rows) = page?;
                    tokio::task::spawn_blocking(move || csv_page(&rows, &catalog, day)).await?
                }
            })
            .buffered(2)
            .map(|page| {
                page.map_err(|e| {
                    tracing::error!(error = %e, "export page");
                    std::io::Error::other(e.to_string())
                })
            });
            let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(head) })
                .chain(pages);
            let mut resp = Body::from_stream(stream).into_response();
            attachment(&mut resp, "text/csv; charset=utf-8", "csv");
            Ok(resp)
        }
        "xlsx" => {
            let mut rx = pages(st, query);
            let mut rows: Vec<[String; 20]> = Vec::new();
            while let Some(page) = rx.recv().await {
                let (total, items) = page?;
                if total.n > XLSX_MAX_ROWS || rows.len() + items.len() > XLSX_MAX_ROWS as usize {
                    return Err(ApiError::TooLarge(format!(
                        "{} hazards are more than an Excel sheet holds; narrow the filter or export CSV",
                        total.n.max((rows.len() + items.len()) as u64)
                    )));
                }
                let catalog = catalog.clone();
                rows.extend(
                    each(items, move |v| row(v, &catalog, day).map(Cow::into_owned)).await?,
                );
            }
            let bytes = tokio::task::spawn_blocking(move || xlsx(&rows))
                .await?
                .map_err(ApiError::internal)?;
            let mut resp = bytes.into_response();
            attachment(
                &mut resp,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            );
            Ok(resp)
        }
        "geojson" => {
            let mut rx = pages(st, query);
            let mut features = Vec::new();
            while let Some(page) = rx.recv().await {
                let (_, items) = page?;
                let catalog = catalog.clone();
                features.extend(each(items, move |v| feature(v, &catalog, day)).await?);
            }
            let doc = serde_json::json!({"type": "FeatureCollection", "features": features});
            let mut resp = serde_json::to_vec(&doc)
                .map_err(ApiError::internal)?
                .into_response();
            attachment(&mut resp, "application/geo+json", "geojson");
            Ok(resp)
        }
        other => Err(ApiError::BadRequest(format!(
            "unknown format {other:?}; use xlsx, csv or geojson"
        ))),
    }
}

fn feature(h: &ExportView<'_>, catalog: &Catalog, day: NaiveDate) -> serde_json::Value {
    serde_json::json!({
        "type": "Feature",
        "id": h.id,
        // GeoJSON orders longitude first.
        "geometry": h.location.map(|l| serde_json::json!({"type": "Point", "coordinates": [l.lon, l.lat]})),
        "properties": {
            "grid": h.grid.to_string(),
            "grid_name": catalog.tree.get(&h.grid).map(|n| n.name.clone()),
            "sector": h.sector.key(),
            "level": h.level.key(),
            "status": h.status.key(),
            "description": h.description,
            "place": h.place,
            "reported_by": h.reported_by,
            "reported_at": h.reported_at,
            "deadline": h.deadline(),
            "listed": h.listed,
            "overdue": h.is_overdue(day),
        }
    })
}

fn xlsx(rows: &[[String; 20]]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("隐患台账")?;
    let bold = Format::new().set_bold();
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string((r + 1) as u32, c as u16, v)?;
        }
    }
    let widths = [
        38, 14, 18, 14, 10, 10, 40, 20, 11, 11, 10, 16, 14, 16, 30, 12, 30, 10, 10, 10,
    ];
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    use gridsafe_core::hazard::{Confirmation, Step, Superseded, SupersededEvent};
    use gridsafe_core::hlc::Hlc;
    use gridsafe_core::location::LocationSource;
    use gridsafe_core::{
        DeviceId, EventId, GridLevel, GridNode, GridTree, HazardId, PhotoHash, event::EventKind,
    };

    fn state() -> HazardState {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let step = |by: &str| Step {
            by: by.parse().unwrap(),
            at: at("2026-07-02T03:00:00Z"),
            note: Some("复查\n合格".into()),
        };
        HazardState {
            id: HazardId::new(),
            grid: "V1".parse().unwrap(),
            sector: Sector::Gas,
            level: HazardLevel::Major,
            status: HazardStatus::Rectifying,
            description: "钢瓶\"无\"防倾倒\n措施, =1+1".into(),
            place: Some("二组\t王家院子".into()),
            location: Some(Location {
                lat: 30.612345,
                lon: 103.5,
                accuracy_m: Some(8.0),
                fixed_at: None,
                source: LocationSource::Gps,
            }),
            reported_by: "insp1".parse().unwrap(),
            reported_from: DeviceId::new(),
            reported_at: at("2026-06-30T17:30:00Z"),
            photos: vec![PhotoHash::of(b"before")],
            after_photos: vec![PhotoHash::of(b"after")],
            confirmation: Some(Confirmation {
                owner: "张三 (业主)".into(),
                deadline: Some(NaiveDate::from_ymd_opt(2026, 7, 15).unwrap()),
                measures: Some("加装\"链条\"".into()),
                funds_yuan: Some(3000),
                contingency_plan: Some("疏散".into()),
                by: "office".parse().unwrap(),
                at: at("2026-07-01T01:00:00Z"),
            }),
            listed: Some(step("office")),
            rectified: None,
            verified: None,
            closed: None,
            rejected: Some(step("office")),
            reopened: 2,
            last: Hlc {
                wall_ms: 1,
                counter: 0,
                node: DeviceId::new(),
            },
            events: 5,
            superseded: vec![SupersededEvent {
                event: EventId::new(),
                kind: EventKind::HazardConfirmed,
                reason: Superseded::Decided,
            }],
        }
    }

    #[test]
    fn a_stored_state_reads_to_the_same_row_as_the_state_itself() {
        let tree = GridTree::new(vec![GridNode {
            code: "V1".parse().unwrap(),
            name: "石桥村".into(),
            parent: None,
            level: GridLevel::Village,
            responsible: None,
        }])
        .unwrap();
        let catalog = Catalog {
            rev: 1,
            tree,
            points: HashMap::new(),
        };
        let day = NaiveDate::from_ymd_opt(2026, 7, 20).unwrap();
        let h = state();
        let json = serde_json::to_string(&h).unwrap();
        let stored = ExportView::parse(&json).unwrap();
        let direct = ExportView::of(&h);
        assert_eq!(row(&stored, &catalog, day), row(&direct, &catalog, day));
        let r = row(&stored, &catalog, day);
        assert_eq!(r[0], h.id.to_string());
        assert_eq!(r[2], "石桥村");
        assert_eq!(r[6], h.description);
        assert_eq!(r[7], "二组\t王家院子");
        assert_eq!((&*r[8], &*r[9]), ("30.612345", "103.500000"));
        assert_eq!(r[11], "2026年7月1日", "reported on the 1st, Beijing time");
        assert_eq!(r[12], "张三 (业主)");
        assert_eq!(r[13], "2026年7月15日");
        assert_eq!(r[14], "加装\"链条\"");
        assert_eq!(r[15], "3000");
        assert_eq!(r[16], "疏散");
        assert_eq!((&*r[17], &*r[18], &*r[19]), ("是", "是", "2"));
        assert_eq!(
            stored.keyset(),
            (h.reported_at.timestamp_millis(), h.id.to_string())
        );
        assert_eq!(
            feature(&stored, &catalog, day),
            feature(&direct, &catalog, day)
        );

        // Not confirmed, not listed, no place, no fix: empty cells, 否.
        let mut bare = state();
        (bare.confirmation, bare.listed, bare.place, bare.location) = (None, None, None, None);
        bare.status = HazardStatus::Reported;
        let json = serde_json::to_string(&bare).unwrap();
        let r = row(&ExportView::parse(&json).unwrap(), &catalog, day).map(Cow::into_owned);
        assert_eq!(
            r,
            row(&ExportView::of(&bare), &catalog, day).map(Cow::into_owned)
        );
        assert!(
            [7, 8, 9, 12, 13, 14, 15, 16]
                .iter()
                .all(|&i| r[i].is_empty())
        );
        assert_eq!((&*r[17], &*r[18]), ("否", "否"));

        // A damaged state is an error, not a panic.
        assert!(ExportView::parse(&json[..json.len() / 2]).is_err());
    }
}
