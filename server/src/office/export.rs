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
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use futures_util::StreamExt;
use gridsafe_core::hazard::HazardState;
use gridsafe_core::{Lang, StableKey};
use serde::Deserialize;

use crate::auth::Caller;
use crate::calendar::{local_day, today};
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::office::hazards::{ListQuery, filter_query};
use crate::state::AppState;
use crate::store::{HazardQuery, HazardSort, HazardTotal, parse_hazard_state};

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

/// One row as text, in the order of [`HEADERS`].
pub(crate) fn row(h: &HazardState, catalog: &Catalog, day: NaiveDate) -> [String; 20] {
    let c = h.confirmation.as_ref();
    let yes_no = |b: bool| if b { "是" } else { "否" }.to_owned();
    [
        h.id.to_string(),
        h.grid.to_string(),
        catalog
            .tree
            .get(&h.grid)
            .map(|n| n.name.clone())
            .unwrap_or_default(),
        h.sector.label(Lang::ZhCn).to_owned(),
        h.level.label(Lang::ZhCn).to_owned(),
        h.status.label(Lang::ZhCn).to_owned(),
        h.description.clone(),
        h.place.clone().unwrap_or_default(),
        h.location
            .map(|l| format!("{:.6}", l.lat))
            .unwrap_or_default(),
        h.location
            .map(|l| format!("{:.6}", l.lon))
            .unwrap_or_default(),
        h.reported_by.to_string(),
        zh_day(h.reported_at),
        c.map(|c| c.owner.clone()).unwrap_or_default(),
        h.deadline().map(zh_date).unwrap_or_default(),
        c.and_then(|c| c.measures.clone()).unwrap_or_default(),
        c.and_then(|c| c.funds_yuan)
            .map(|f| f.to_string())
            .unwrap_or_default(),
        c.and_then(|c| c.contingency_plan.clone())
            .unwrap_or_default(),
        yes_no(h.listed.is_some()),
        yes_no(h.is_overdue(day)),
        h.reopened.to_string(),
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
        last: Option<&HazardState>,
    ) -> Next {
        let keyset = matches!(q.sort, HazardSort::ReportedDesc | HazardSort::ReportedAsc);
        Next {
            offset: self.offset + read as u64,
            after: last
                .filter(|_| keyset)
                .map(|h| (h.reported_at.timestamp_millis(), h.id.to_string())),
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

async fn page(
    st: &AppState,
    q: &HazardQuery,
    next: &Next,
) -> Result<(HazardTotal, Vec<HazardState>), ApiError> {
    let q = page_query(q, next);
    st.blocking(move |s| s.hazards(&q)).await
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

/// Reads the list's pages one after another into `tx`, each hazard as its
/// stored JSON, ahead of the pages being written out; stops when the
/// body's reader has gone.
async fn read_ahead(
    st: AppState,
    query: HazardQuery,
    tx: tokio::sync::mpsc::Sender<Result<Vec<String>, ApiError>>,
) {
    let mut next = Next::default();
    loop {
        let q = page_query(&query, &next);
        let read = st.blocking(move |s| s.hazards_json(&q)).await;
        let (total, rows) = match read {
            Ok((_, rows)) if rows.is_empty() => return,
            Ok(page) => page,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        // Only the last hazard is read here, for where the next page starts.
        let last = match rows.last().map(|s| parse_hazard_state(s)).transpose() {
            Ok(last) => last,
            Err(e) => {
                let _ = tx.send(Err(e.into())).await;
                return;
            }
        };
        let done = (rows.len() as u64) < PAGE;
        next = next.advance(&query, total, rows.len(), last.as_ref());
        if tx.send(Ok(rows)).await.is_err() || done {
            return;
        }
    }
}

/// A page of stored hazards as CSV lines.
fn csv_page(rows: &[String], catalog: &Catalog, day: NaiveDate) -> Result<Vec<u8>, ApiError> {
    let states = rows
        .iter()
        .map(|s| parse_hazard_state(s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(csv_lines(states.iter().map(|h| row(h, catalog, day))))
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
            let (tx, rx) = tokio::sync::mpsc::channel(2);
            tokio::spawn(read_ahead(st, query, tx));
            let pages = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|page| (page, rx))
            })
            .map(move |page| {
                let catalog = catalog.clone();
                async move {
                    let rows = page?;
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
            let (total, _) = page(&st, &query, &Next::default()).await?;
            let total = total.n;
            if total > XLSX_MAX_ROWS {
                return Err(ApiError::TooLarge(format!(
                    "{total} hazards are more than an Excel sheet holds; narrow the filter or export CSV"
                )));
            }
            let mut rows = Vec::new();
            let mut next = Next::default();
            loop {
                let (total, items) = page(&st, &query, &next).await?;
                let n = items.len() as u64;
                rows.extend(items.iter().map(|h| row(h, &catalog, day)));
                if rows.len() as u64 > XLSX_MAX_ROWS {
                    return Err(ApiError::TooLarge(format!(
                        "more than {XLSX_MAX_ROWS} hazards match, more than an Excel sheet holds; narrow the filter or export CSV"
                    )));
                }
                if n < PAGE {
                    break;
                }
                next = next.advance(&query, total, items.len(), items.last());
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
            let mut features = Vec::new();
            let mut next = Next::default();
            loop {
                let (total, items) = page(&st, &query, &next).await?;
                let n = items.len() as u64;
                for h in &items {
                    features.push(feature(h, &catalog, day));
                }
                if n < PAGE {
                    break;
                }
                next = next.advance(&query, total, items.len(), items.last());
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

fn feature(h: &HazardState, catalog: &Catalog, day: NaiveDate) -> serde_json::Value {
    serde_json::json!({
        "type": "Feature",
        "id": h.id.to_string(),
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
            "reported_by": h.reported_by.to_string(),
            "reported_at": h.reported_at,
            "deadline": h.deadline(),
            "listed": h.listed.is_some(),
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
