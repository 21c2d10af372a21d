//! The duty report (安全生产履职报告): `GET /api/v1/reports/duty?grid=&period=&format=docx|xlsx`.
//!
//! A town files one for the first half by 5 July and one for the year by
//! 5 January. The `.docx` follows the usual layout of an official report:
//! the title (青石镇2026年上半年安全生产履职报告) in 黑体, the period, numbered
//! sections in 黑体 with the figures in 仿宋 (hazards found and rectified by
//! sector, major hazards and their status, checks and alarms, tasks and
//! their coverage, meetings, banquets, accidents, the assessment), tables,
//! and a closing with the signature and date lines. The `.xlsx` is the
//! appendix: the records behind the figures, a sheet each.
//!
//! Every figure comes from the same queries as `/grids/{code}/summary` and
//! `/assessment` for the same period, so the report and the console agree.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use docx_rs::{
    AlignmentType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts,
    SpecialIndentType, Table, TableAlignmentType, TableCell, TableRow, WidthType,
};
use gridsafe_core::assessment::{AccidentFact, GridAssessment, Period};
use gridsafe_core::hazard::HazardState;
use gridsafe_core::{GridCode, HazardLevel, HazardStatus, Lang, Sector, StableKey};
use serde::Deserialize;

use crate::assessment::{grid_and_period, records, rubric};
use crate::auth::Caller;
use crate::calendar::{local_day, today};
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::office::export::{self, zh_date};
use crate::state::AppState;
use crate::store::{HazardQuery, PeriodRecords};
use crate::summary::{Figures, GridSummary, counts_and_figures, roll_up};

/// 仿宋 for the body, 黑体 for the title and headings (GB/T 9704 usage);
/// Latin letters and digits in Times New Roman.
pub const BODY_FONT: &str = "仿宋";
pub const HEADING_FONT: &str = "黑体";
const LATIN_FONT: &str = "Times New Roman";

const DOCX_MIME: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DutyQuery {
    /// The grid code (usually the town).
    pub grid: String,
    /// `2026-H1` (the half-year report), `2026` (the annual one), or any period.
    pub period: String,
    /// `docx` (the report) or `xlsx` (its appendix of records).
    pub format: String,
}

/// Planned check tasks and how far their targets were covered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskCoverage {
    pub tasks: u64,
    pub targets: u64,
    pub covered: u64,
}

/// Everything a duty report says, gathered once for both formats.
#[derive(Debug, Clone)]
pub struct DutyReport {
    pub grid: GridCode,
    pub name: String,
    pub period: Period,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub written_on: NaiveDate,
    /// The figures of `/grids/{code}/summary` for the period, with the children's.
    pub summary: GridSummary,
    /// Per sector: (found, rectified) in the period.
    pub by_sector: BTreeMap<Sector, (u64, u64)>,
    /// Major hazards reported in the period.
    pub majors: Vec<HazardState>,
    /// Every hazard reported in the period (the appendix).
    pub hazards: Vec<HazardState>,
    /// Checks with the danger verdict in the period (预警).
    pub danger_checks: u64,
    pub tasks: TaskCoverage,
    pub meetings: u64,
    pub banquets: u64,
    pub accidents: Vec<AccidentFact>,
    pub assessment: GridAssessment,
    pub children: Vec<GridAssessment>,
}

/// Gathers a report's figures from the store.
pub async fn gather(
    st: &AppState,
    catalog: &Arc<Catalog>,
    code: &GridCode,
    period: Period,
) -> Result<DutyReport, ApiError> {
    let tree = &catalog.tree;
    let (from, to) = (period.first_day(), period.last_day());
    let now = Utc::now();
    let day = local_day(now);
    let Figures {
        counts,
        points,
        own,
    } = counts_and_figures(st, catalog, Some(code), from, to, now).await?;
    let summary = roll_up(tree, &own, code, 1);

    let mut by_sector: BTreeMap<Sector, (u64, u64)> = BTreeMap::new();
    for (g, status, _, sector, n) in &counts.hazards {
        if tree.is_within(g, code) {
            let e = by_sector.entry(*sector).or_default();
            e.0 += n;
            if matches!(
                status,
                HazardStatus::Rectified | HazardStatus::Verified | HazardStatus::Closed
            ) {
                e.1 += n;
            }
        }
    }

    let grids: Vec<GridCode> = tree.subtree(code).iter().map(|n| n.code.clone()).collect();
    let q = HazardQuery {
        grids: Some(grids),
        from: Some(from),
        to: Some(to),
        limit: 1_048_575,
        ..Default::default()
    };
    let (_, hazards) = st.blocking(move |s| s.hazards(&q)).await?;
    let majors = hazards
        .iter()
        .filter(|h| h.level == HazardLevel::Major)
        .cloned()
        .collect();

    let stored: PeriodRecords = st.blocking(move |s| s.period_records(from, to)).await?;
    let within = |g: &GridCode| tree.is_within(g, code);
    let targets: Vec<_> = stored
        .task_targets
        .iter()
        .filter(|r| r.counted_in(tree).is_some_and(|g| within(&g)))
        .collect();
    let tasks = TaskCoverage {
        tasks: targets
            .iter()
            .map(|r| &r.task)
            .collect::<BTreeSet<_>>()
            .len() as u64,
        targets: targets.len() as u64,
        covered: targets.iter().filter(|r| r.covered_on.is_some()).count() as u64,
    };
    let meetings = stored.meetings.iter().filter(|m| within(&m.grid)).count() as u64;
    let banquets = stored
        .banquets
        .iter()
        .filter(|(g, _)| within(g))
        .map(|(_, n)| n)
        .sum();
    let accidents = stored
        .accidents
        .iter()
        .filter(|a| within(&a.grid) && from <= a.occurred_on && a.occurred_on <= to)
        .cloned()
        .collect();

    let rubric = rubric(&st.settings)?;
    let recs = records(tree, &stored, points);
    let (assessment, children) =
        gridsafe_core::assessment::assess_with_children(&rubric, tree, period, now, &recs, code)
            .ok_or_else(|| ApiError::NotFound(format!("there is no grid {code}")))?;

    Ok(DutyReport {
        grid: code.clone(),
        name: tree.get(code).map(|n| n.name.clone()).unwrap_or_default(),
        period,
        from,
        to,
        written_on: day,
        danger_checks: summary
            .checks_by_verdict
            .get("danger")
            .copied()
            .unwrap_or(0),
        summary,
        by_sector,
        majors,
        hazards,
        tasks,
        meetings,
        banquets,
        accidents,
        assessment,
        children,
    })
}

// ---------------------------------------------------------------- the .docx

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN_FONT)
        .hi_ansi(LATIN_FONT)
        .cs(LATIN_FONT)
}

/// Half-points: 二号 22 pt, 三号 16 pt, 小四 12 pt, 五号 10.5 pt.
const SIZE_TITLE: usize = 44;
const SIZE_BODY: usize = 32;
const SIZE_TABLE: usize = 21;

fn exact_28pt() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(560)
}

/// A run of `text` at `size` (half-points) in `font`.
fn text_run(text: &str, size: usize, font: &str) -> Run {
    Run::new().add_text(text).size(size).fonts(fonts(font))
}

fn title(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().before(240).after(240))
        .add_run(text_run(text, SIZE_TITLE, HEADING_FONT))
}

fn centered(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(exact_28pt())
        .add_run(text_run(text, SIZE_BODY, BODY_FONT))
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .line_spacing(exact_28pt())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .add_run(text_run(text, SIZE_BODY, HEADING_FONT))
}

fn body(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .line_spacing(exact_28pt())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .add_run(text_run(text, SIZE_BODY, BODY_FONT))
}

fn right(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Right)
        .line_spacing(exact_28pt())
        .add_run(text_run(text, SIZE_BODY, BODY_FONT))
}

fn cell(text: &str, head: bool) -> TableCell {
    let run = text_run(
        text,
        SIZE_TABLE,
        if head { HEADING_FONT } else { BODY_FONT },
    );
    TableCell::new().add_paragraph(Paragraph::new().align(AlignmentType::Center).add_run(run))
}

fn table(headers: &[&str], rows: &[Vec<String>]) -> Table {
    let mut out = vec![TableRow::new(
        headers.iter().map(|h| cell(h, true)).collect(),
    )];
    out.extend(
        rows.iter()
            .map(|r| TableRow::new(r.iter().map(|c| cell(c, false)).collect())),
    );
    Table::new(out)
        .align(TableAlignmentType::Center)
        .width(5000, WidthType::Pct)
}

fn pct(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn status_count(s: &GridSummary, k: HazardStatus) -> u64 {
    s.by_status.get(k.key()).copied().unwrap_or(0)
}

/// The number of hazards rectified (rectified, verified or closed).
pub fn rectified(s: &GridSummary) -> u64 {
    status_count(s, HazardStatus::Rectified)
        + status_count(s, HazardStatus::Verified)
        + status_count(s, HazardStatus::Closed)
}

/// The report's title: 青石镇2026年上半年安全生产履职报告.
pub fn report_title(name: &str, period: Period) -> String {
    format!("{name}{}安全生产履职报告", period.label(Lang::ZhCn))
}

/// Sentences that state the figures, in the order the report gives them.
pub fn figures_text(r: &DutyReport) -> Vec<String> {
    let s = &r.summary;
    vec![
        format!(
            "本期共排查隐患{}条，已整改{}条，整改率{}，逾期未整改{}条。",
            s.hazards_total,
            rectified(s),
            pct(s.rectified_rate),
            s.overdue
        ),
        format!(
            "其中重大隐患{}条，尚未销号{}条。",
            s.by_level
                .get(HazardLevel::Major.key())
                .copied()
                .unwrap_or(0),
            s.major_open
        ),
        format!(
            "本期危险地段巡查{}次，发出危险预警{}次，目前仍处危险状态的地段{}处。",
            s.checks_total, r.danger_checks, s.danger_open
        ),
        format!(
            "按各监测点的巡查周期，本期应巡未巡{}次，其中汛期漏巡{}次。",
            s.missed_point_checks, s.missed_flood_checks
        ),
    ]
}

/// The report as a `.docx`.
pub fn docx(r: &DutyReport) -> anyhow::Result<Vec<u8>> {
    let s = &r.summary;
    let a = &r.assessment;
    let mut doc = Docx::new()
        // A4 with the margins of GB/T 9704 (天头 37 mm, 订口 28 mm).
        .page_size(11906, 16838)
        .page_margin(PageMargin {
            top: 2098,
            left: 1588,
            bottom: 1984,
            right: 1474,
            header: 851,
            footer: 992,
            gutter: 0,
        })
        .default_fonts(fonts(BODY_FONT))
        .default_size(SIZE_BODY)
        .add_paragraph(title(&report_title(&r.name, r.period)))
        .add_paragraph(centered(&format!(
            "（{}至{}）",
            zh_date(r.from),
            zh_date(r.to)
        )))
        .add_paragraph(body(&format!(
            "根据安全生产责任书和考核细则，现将{}{}安全生产工作履职情况报告如下。",
            r.name,
            r.period.label(Lang::ZhCn)
        )));

    doc = doc.add_paragraph(heading("一、隐患排查治理情况"));
    for line in figures_text(r).iter().take(2) {
        doc = doc.add_paragraph(body(line));
    }
    let sector_rows: Vec<Vec<String>> = r
        .by_sector
        .iter()
        .map(|(sector, (found, done))| {
            vec![
                sector.label(Lang::ZhCn).to_owned(),
                found.to_string(),
                done.to_string(),
                pct((*found > 0).then(|| *done as f64 / *found as f64)),
            ]
        })
        .collect();
    if sector_rows.is_empty() {
        doc = doc.add_paragraph(body("本期未排查出隐患。"));
    } else {
        doc = doc.add_table(table(
            &["行业领域", "排查隐患(条)", "已整改(条)", "整改率"],
            &sector_rows,
        ));
    }
    if !s.children.is_empty() {
        doc = doc.add_paragraph(body("各网格情况如下："));
        let rows: Vec<Vec<String>> = s
            .children
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.hazards_total.to_string(),
                    rectified(c).to_string(),
                    c.overdue.to_string(),
                    c.major_open.to_string(),
                    c.checks_total.to_string(),
                ]
            })
            .collect();
        doc = doc.add_table(table(
            &[
                "网格",
                "排查隐患",
                "已整改",
                "逾期",
                "重大未销号",
                "巡查次数",
            ],
            &rows,
        ));
    }

    doc = doc.add_paragraph(heading("二、重大隐患及挂牌督办情况"));
    if r.majors.is_empty() {
        doc = doc.add_paragraph(body("本期未发现重大隐患。"));
    } else {
        let rows: Vec<Vec<String>> = r
            .majors
            .iter()
            .map(|h| {
                vec![
                    h.description.clone(),
                    h.sector.label(Lang::ZhCn).to_owned(),
                    h.status.label(Lang::ZhCn).to_owned(),
                    if h.listed.is_some() { "是" } else { "否" }.to_owned(),
                    h.deadline().map(zh_date).unwrap_or_default(),
                    if h.lacks_five_in_place() {
                        "未落实"
                    } else {
                        "已落实"
                    }
                    .to_owned(),
                ]
            })
            .collect();
        doc = doc.add_table(table(
            &[
                "隐患描述",
                "行业领域",
                "状态",
                "挂牌督办",
                "整改时限",
                "五到位",
            ],
            &rows,
        ));
    }

    doc = doc.add_paragraph(heading("三、危险地段巡查与预警情况"));
    doc = doc.add_paragraph(body(&figures_text(r)[2]));
    doc = doc.add_paragraph(body(&figures_text(r)[3]));

    doc = doc.add_paragraph(heading("四、检查任务完成情况"));
    let t = &r.tasks;
    doc = doc.add_paragraph(body(&format!(
        "本期下达检查任务{}项，检查对象{}个，已覆盖{}个，覆盖率{}。",
        t.tasks,
        t.targets,
        t.covered,
        pct((t.targets > 0).then(|| t.covered as f64 / t.targets as f64))
    )));

    doc = doc.add_paragraph(heading("五、安全会议及农村家宴管理情况"));
    doc = doc.add_paragraph(body(&format!("本期召开安全生产会议{}次。", r.meetings)));
    doc = doc.add_paragraph(body(&format!("本期农村家宴备案{}起。", r.banquets)));

    doc = doc.add_paragraph(heading("六、生产安全事故情况"));
    if r.accidents.is_empty() {
        doc = doc.add_paragraph(body("本期未发生生产安全事故。"));
    } else {
        let deaths: u32 = r.accidents.iter().map(|a| a.deaths).sum();
        let injuries: u32 = r.accidents.iter().map(|a| a.injuries).sum();
        doc = doc.add_paragraph(body(&format!(
            "本期发生生产安全事故{}起，死亡{}人，受伤{}人。",
            r.accidents.len(),
            deaths,
            injuries
        )));
        let rows: Vec<Vec<String>> = r
            .accidents
            .iter()
            .map(|x| {
                vec![
                    zh_date(x.occurred_on),
                    x.sector.label(Lang::ZhCn).to_owned(),
                    x.deaths.to_string(),
                    x.injuries.to_string(),
                    if x.bad_social_impact { "是" } else { "否" }.to_owned(),
                ]
            })
            .collect();
        doc = doc.add_table(table(
            &[
                "发生日期",
                "行业领域",
                "死亡(人)",
                "受伤(人)",
                "造成恶劣社会影响",
            ],
            &rows,
        ));
    }

    doc = doc.add_paragraph(heading("七、履职考核自评情况"));
    doc = doc.add_paragraph(body(&format!(
        "按考核细则自评得分{}分，考评等次为{}。",
        a.score,
        a.grade.label(Lang::ZhCn)
    )));
    if let Some(v) = &a.veto {
        doc = doc.add_paragraph(body(&format!(
            "因{}（事故{}起），实行“一票否决”，确定为不合格。",
            v.rule.label(Lang::ZhCn),
            v.accidents.len()
        )));
    }
    if !a.deductions.is_empty() {
        let rows: Vec<Vec<String>> = a
            .deductions
            .iter()
            .map(|d| {
                vec![
                    d.kind.label(Lang::ZhCn).to_owned(),
                    d.count.to_string(),
                    d.points_each.to_string(),
                    d.points.to_string(),
                ]
            })
            .collect();
        doc = doc.add_table(table(&["扣分项", "次数", "每次扣分", "扣分"], &rows));
    }
    if !r.children.is_empty() {
        doc = doc.add_paragraph(body("各网格考核得分排名如下："));
        let rows: Vec<Vec<String>> = r
            .children
            .iter()
            .map(|c| {
                vec![
                    c.rank.map(|n| n.to_string()).unwrap_or_default(),
                    c.name.clone(),
                    c.score.to_string(),
                    c.grade.label(Lang::ZhCn).to_owned(),
                ]
            })
            .collect();
        doc = doc.add_table(table(&["名次", "网格", "得分", "等次"], &rows));
    }

    doc = doc
        .add_paragraph(body("特此报告。"))
        .add_paragraph(body(""))
        .add_paragraph(right(&format!("{}（盖章）", r.name)))
        .add_paragraph(right("行政主要负责人（签字）：　　　　　　"))
        .add_paragraph(right("签章时间：　　　　年　　月　　日"))
        .add_paragraph(right(&format!("报告生成日期：{}", zh_date(r.written_on))));

    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out)?;
    Ok(out.into_inner())
}

// ---------------------------------------------------------------- the .xlsx appendix

/// A named sheet with its header row in bold, frozen above the rows.
fn sheet<'a>(
    wb: &'a mut rust_xlsxwriter::Workbook,
    name: &str,
    headers: &[&str],
) -> Result<&'a mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name(name)?;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(sheet)
}

/// The appendix: the hazards, the deductions with their records, the
/// accidents and the grids' scores.
pub fn xlsx(r: &DutyReport, catalog: &Catalog) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();

    let hazards = sheet(&mut wb, "隐患台账", &export::HEADERS)?;
    for (i, h) in r.hazards.iter().enumerate() {
        let view = export::ExportView::of(h);
        for (c, v) in export::row(&view, catalog, r.written_on).iter().enumerate() {
            hazards.write_string(i as u32 + 1, c as u16, v.as_ref())?;
        }
    }

    let deductions = sheet(
        &mut wb,
        "考核扣分",
        &[
            "网格",
            "扣分项",
            "次数",
            "每次扣分",
            "扣分",
            "是否封顶",
            "记录",
        ],
    )?;
    let mut row = 1u32;
    for g in std::iter::once(&r.assessment).chain(&r.children) {
        for d in &g.deductions {
            for (i, rec) in d.records.iter().enumerate() {
                deductions.write_string(row, 0, &g.name)?;
                deductions.write_string(row, 1, d.kind.label(Lang::ZhCn))?;
                if i == 0 {
                    deductions.write_number(row, 2, d.count as f64)?;
                    deductions.write_number(row, 3, d.points_each)?;
                    deductions.write_number(row, 4, d.points)?;
                    deductions.write_string(row, 5, if d.capped { "是" } else { "否" })?;
                }
                deductions.write_string(row, 6, rec)?;
                row += 1;
            }
        }
    }

    let scores = sheet(
        &mut wb,
        "考核得分",
        &["名次", "网格编码", "网格", "得分", "等次", "一票否决"],
    )?;
    for (i, g) in std::iter::once(&r.assessment)
        .chain(&r.children)
        .enumerate()
    {
        let row = i as u32 + 1;
        scores.write_string(row, 0, g.rank.map(|n| n.to_string()).unwrap_or_default())?;
        scores.write_string(row, 1, g.grid.as_str())?;
        scores.write_string(row, 2, &g.name)?;
        scores.write_number(row, 3, g.score)?;
        scores.write_string(row, 4, g.grade.label(Lang::ZhCn))?;
        scores.write_string(
            row,
            5,
            g.veto.as_ref().map_or("", |v| v.rule.label(Lang::ZhCn)),
        )?;
    }

    let accidents = sheet(
        &mut wb,
        "生产安全事故",
        &[
            "事故编号",
            "网格编码",
            "行业领域",
            "发生日期",
            "死亡(人)",
            "受伤(人)",
            "造成恶劣社会影响",
        ],
    )?;
    for (i, a) in r.accidents.iter().enumerate() {
        let row = i as u32 + 1;
        accidents.write_string(row, 0, &a.id)?;
        accidents.write_string(row, 1, a.grid.as_str())?;
        accidents.write_string(row, 2, a.sector.label(Lang::ZhCn))?;
        accidents.write_string(row, 3, zh_date(a.occurred_on))?;
        accidents.write_number(row, 4, a.deaths as f64)?;
        accidents.write_number(row, 5, a.injuries as f64)?;
        accidents.write_string(row, 6, if a.bad_social_impact { "是" } else { "否" })?;
    }
    wb.save_to_buffer()
}

/// RFC 5987 percent-encoding of a file name for Content-Disposition.
fn encode_filename(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The half-year or annual duty report of a grid, or its appendix of records.
#[utoipa::path(get, path = "/api/v1/reports/duty", tag = "assessment", params(DutyQuery),
    responses(
        (status = 200, description = "the file: application/vnd.openxmlformats-officedocument.wordprocessingml.document (docx) or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (xlsx)"),
        (status = 400, description = "unknown format, bad grid or period"),
        (status = 403, description = "not the town safety office, or outside the caller's grids"),
    ),
    security(("bearer" = [])))]
pub async fn duty(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<DutyQuery>,
) -> Result<Response, ApiError> {
    caller.require_office()?;
    let (mime, ext) = match q.format.as_str() {
        "docx" => (DOCX_MIME, "docx"),
        "xlsx" => (XLSX_MIME, "xlsx"),
        other => {
            return Err(ApiError::BadRequest(format!(
                "format {:?} is not docx or xlsx",
                other.chars().take(16).collect::<String>()
            )));
        }
    };
    let (catalog, code, period) = grid_and_period(&st, &caller, &q.grid, &q.period).await?;
    let report = gather(&st, &catalog, &code, period).await?;
    let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        match ext {
            "docx" => docx(&report),
            _ => Ok(xlsx(&report, &catalog)?),
        }
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let name = format!(
        "{}{}.{ext}",
        report_title(
            &st.catalog()
                .await?
                .tree
                .get(&code)
                .map(|n| n.name.clone())
                .unwrap_or_default(),
            period
        ),
        if ext == "xlsx" { "附表" } else { "" }
    );
    let mut resp = bytes.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    resp.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!(
            "attachment; filename=\"duty-report-{code}-{period}.{ext}\"; filename*=UTF-8''{}",
            encode_filename(&name)
        ))
        .map_err(ApiError::internal)?,
    );
    Ok(resp)
}

/// The duty report due soon, if any.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DutyReminder {
    /// `2026-H1` (the half-year report) or `2026` (the annual one); null
    /// outside the reminder windows.
    pub period: Option<String>,
    /// The last day to file it.
    pub due: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReminderQuery {
    /// The day to ask about (default: today, Beijing time): which report is
    /// due around it, e.g. to plan ahead or look back.
    pub on: Option<NaiveDate>,
}

/// The duty report to file soon: from 15 June to 5 July the half-year one,
/// from 15 December to 5 January the annual one (Beijing-time days).
#[utoipa::path(get, path = "/api/v1/reports/duty/reminder", tag = "assessment",
    params(ReminderQuery),
    responses((status = 200, body = DutyReminder)), security(("bearer" = [])))]
pub async fn reminder(
    caller: Caller,
    Query(q): Query<ReminderQuery>,
) -> Result<axum::Json<DutyReminder>, ApiError> {
    caller.require_office()?;
    let due = gridsafe_core::assessment::duty_report_reminder(q.on.unwrap_or_else(today));
    Ok(axum::Json(DutyReminder {
        period: due.map(|(p, _)| p.to_string()),
        due: due.map(|(_, d)| d),
    }))
}
