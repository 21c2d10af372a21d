//! Importing the grid tree and the monitoring points from the office's
//! spreadsheets: .xlsx, or .csv in UTF-8 (with or without a BOM) or GBK, the
//! encoding Excel uses on a Chinese Windows.
//!
//! Headers may be the contract's keys or their Chinese names; levels and
//! kinds may be keys or labels. The whole file is checked first (every row,
//! then the tree it makes with the grids already stored) and refused with
//! each bad row's number and reason: nothing is half-imported.

use std::collections::HashMap;
use std::path::Path;

use gridsafe_core::location::{CHINA_LAT, CHINA_LON};
use gridsafe_core::point::MonitoringPoint;
use gridsafe_core::{
    GridCode, GridLevel, GridNode, GridTree, Lang, PointCode, PointKind, StableKey,
};

use serde::Serialize;

use crate::store::Store;

/// What is wrong with one row of a file. The `code` and its fields are for
/// the console, which words each problem in the reader's language; the
/// English text (`Display`) is for the command line and the logs.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RowProblem {
    #[error("the file is empty")]
    EmptyFile,
    #[error("the header has no column {column} ({zh})")]
    MissingColumn { column: String, zh: String },
    #[error("{column} {value:?} is not a valid code: {reason}")]
    BadCode {
        column: String,
        value: String,
        reason: String,
    },
    #[error("{value} is also on row {first_row}")]
    Duplicate { value: String, first_row: usize },
    #[error("the row has no name")]
    NoName,
    #[error("level {value:?} is not one of county, town, village, unit (县, 镇, 村, 企业单位)")]
    BadLevel { value: String },
    #[error(
        "kind {value:?} is not one of landslide, reservoir, pond_dam, embankment, deep_water (滑坡体, 水库, 塘坝, 河堤, 深水区)"
    )]
    BadKind { value: String },
    #[error("there is no grid {grid}; import the grids first")]
    UnknownGrid { grid: String },
    #[error("{column} {value:?} must be a number between {min} and {max}")]
    BadCoordinate {
        column: String,
        value: String,
        min: f64,
        max: f64,
    },
    #[error("give both lat and lon, or neither")]
    HalfCoordinate,
    #[error("the file has no data rows")]
    NoRows,
    #[error("{message}")]
    Tree {
        /// The grid the tree check stopped at.
        grid: String,
        /// `cycle`, `unknown_parent`, `level_order`, `duplicate`, `empty_name`, `unknown`.
        problem: String,
        message: String,
    },
}

/// A bad row: its number (row 1 is the header) and what is wrong with it.
pub type RowError = (usize, RowProblem);

/// What is wrong with a file, row by row (row 1 is the header).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{} refused, nothing imported:\n{}", .path, .rows.iter().map(|(r, p)| format!("  row {r}: {p}")).collect::<Vec<_>>().join("\n"))]
    Rows { path: String, rows: Vec<RowError> },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Decodes CSV bytes: a UTF-8 BOM or valid UTF-8 is UTF-8, anything else is
/// read as GBK (and refused if it is not that either).
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_owned());
    }
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
}

fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        // Codes typed as numbers come back as floats: 510001 not 510001.0.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

/// The rows of a file, header first, as trimmed text.
pub fn read_rows(path: &Path) -> Result<Vec<Vec<String>>, ImportError> {
    let unreadable = |reason: String| ImportError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let kind = match ext.as_str() {
        "xlsx" | "xlsm" | "xls" => FileKind::Workbook,
        "csv" | "txt" => FileKind::Csv,
        _ => return Err(unreadable("expected a .csv or .xlsx file".into())),
    };
    let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    rows_of(kind, &bytes).map_err(unreadable)
}

/// The two kinds of file an import takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Excel: .xlsx, .xlsm or the older .xls.
    Workbook,
    /// CSV in UTF-8 or GBK.
    Csv,
}

/// The rows of a file's bytes, header first, as trimmed text; the reason
/// when they do not read.
pub fn rows_of(kind: FileKind, bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    Ok(match kind {
        FileKind::Workbook => {
            use calamine::Reader;
            check_workbook(bytes, MAX_UNPACKED)?;
            let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
                .map_err(|e| format!("not a readable Excel workbook (.xlsx): {e}"))?;
            let range = wb
                .worksheet_range_at(0)
                .ok_or_else(|| "the workbook has no sheet".to_owned())?
                .map_err(|e| e.to_string())?;
            range
                .rows()
                .map(|r| r.iter().map(|c| cell_text(c).trim().to_owned()).collect())
                .collect()
        }
        FileKind::Csv => {
            let text = decode_text(bytes)
                .ok_or_else(|| "the file is neither UTF-8 nor GBK text".to_owned())?;
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut out = Vec::new();
            for (i, rec) in rdr.records().enumerate() {
                let rec = rec.map_err(|e| format!("row {}: {e}", i + 1))?;
                out.push(rec.iter().map(|c| c.trim().to_owned()).collect());
            }
            out
        }
    })
}

/// The last cell of any Excel sheet.
const LAST_CELL: &str = "XFD1048576";

/// What a workbook's parts may unpack to in all. A county's grid or point
/// list is a few MB of XML; a small file of repeated bytes can unpack to a
/// thousand times its size, which would be held in memory here and again in
/// calamine.
const MAX_UNPACKED: u64 = 128 * 1024 * 1024;

/// Refuses a workbook before calamine reads it when its parts unpack to
/// more than [`MAX_UNPACKED`], or its XML names a cell beyond any sheet (a
/// column of more than three letters or a row of more than seven digits):
/// calamine adds such references up in 32 bits, which overflows (a panic
/// in a checked build, a wrong position otherwise). A file that is not a
/// zip (an old `.xls`) is left to calamine.
fn check_workbook(bytes: &[u8], max_unpacked: u64) -> Result<(), String> {
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut left = max_unpacked;
    let mut data = Vec::new();
    for i in 0..zip.len() {
        let part = zip
            .by_index(i)
            .map_err(|e| format!("not a readable Excel workbook (.xlsx): {e}"))?;
        let xml = part.name().ends_with(".xml");
        data.clear();
        // What was read is looked at even when the part's checksum is
        // wrong at its end: calamine does not check it, and reads it.
        let _ = part.take(left + 1).read_to_end(&mut data);
        if data.len() as u64 > left {
            return Err(format!(
                "the workbook unpacks to more than {} MB, far more than any list of grids or points; check that it is the right file, or split it",
                max_unpacked / (1024 * 1024)
            ));
        }
        left -= data.len() as u64;
        if let Some(bad) = xml.then(|| reference_beyond_a_sheet(&data)).flatten() {
            return Err(format!(
                "the workbook names cell {bad}, beyond any Excel sheet (the last cell is {LAST_CELL}); save it again from Excel or WPS"
            ));
        }
    }
    Ok(())
}

/// The first value of an `r` or `…ref` attribute (a cell, row or range)
/// with more than three letters or seven digits in a row.
fn reference_beyond_a_sheet(xml: &[u8]) -> Option<String> {
    let too_long = |token: &[u8]| {
        token
            .chunk_by(|a, b| a.is_ascii_alphabetic() == b.is_ascii_alphabetic())
            .any(|run| {
                let letters = run[0].is_ascii_alphabetic();
                (letters && run.len() > 3)
                    || (!letters && run.iter().filter(|b| b.is_ascii_digit()).count() > 7)
            })
    };
    let mut at = 0;
    while let Some(lt) = xml[at..].iter().position(|&b| b == b'<') {
        let mut j = at + lt + 1;
        // The element's name, then its attributes up to the end of the tag.
        while j < xml.len() && !xml[j].is_ascii_whitespace() && !b">/".contains(&xml[j]) {
            j += 1;
        }
        loop {
            while j < xml.len() && xml[j].is_ascii_whitespace() {
                j += 1;
            }
            let name_start = j;
            while j < xml.len() && !xml[j].is_ascii_whitespace() && !b"=>/".contains(&xml[j]) {
                j += 1;
            }
            let name = &xml[name_start..j];
            while j < xml.len() && xml[j].is_ascii_whitespace() {
                j += 1;
            }
            if name.is_empty() || xml.get(j) != Some(&b'=') {
                break;
            }
            j += 1;
            while j < xml.len() && xml[j].is_ascii_whitespace() {
                j += 1;
            }
            let Some(&quote) = xml.get(j).filter(|q| **q == b'"' || **q == b'\'') else {
                break;
            };
            let Some(len) = xml[j + 1..].iter().position(|&b| b == quote) else {
                break;
            };
            let value = &xml[j + 1..j + 1 + len];
            j += len + 2;
            if (name == b"r" || name.ends_with(b"ref"))
                && value
                    .split(|b| *b == b':' || b.is_ascii_whitespace())
                    .any(too_long)
            {
                return Some(String::from_utf8_lossy(&value[..value.len().min(40)]).into_owned());
            }
        }
        at = j.max(at + lt + 1);
    }
    None
}

/// Where each wanted column is, by its key or Chinese name.
fn columns(
    header: &[String],
    wanted: &[(&'static str, &'static str, bool)],
) -> Result<HashMap<&'static str, usize>, RowProblem> {
    let mut at = HashMap::new();
    for (key, zh, required) in wanted {
        let pos = header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(key) || h == zh);
        match pos {
            Some(p) => {
                at.insert(*key, p);
            }
            None if *required => {
                return Err(RowProblem::MissingColumn {
                    column: (*key).into(),
                    zh: (*zh).into(),
                });
            }
            None => {}
        }
    }
    Ok(at)
}

/// A key by its key, its zh-CN or en label, or one of the label's parts
/// (镇 and 乡 for "镇(乡)").
pub fn key_or_label<K: StableKey>(text: &str) -> Option<K> {
    let t = text.trim();
    K::ALL.iter().copied().find(|k| {
        let zh = k.label(Lang::ZhCn);
        k.key().eq_ignore_ascii_case(t)
            || zh == t
            || k.label(Lang::En).eq_ignore_ascii_case(t)
            || zh
                .split(['(', ')', '（', '）'])
                .any(|part| !part.is_empty() && part == t)
    })
}

fn get<'a>(row: &'a [String], at: &HashMap<&str, usize>, key: &str) -> &'a str {
    at.get(key)
        .and_then(|&i| row.get(i))
        .map(|s| s.as_str())
        .unwrap_or("")
}

/// A code column parsed as a grid or point code.
fn parse_code<C>(
    row: &[String],
    at: &HashMap<&str, usize>,
    column: &'static str,
) -> Result<C, RowProblem>
where
    C: std::str::FromStr<Err = gridsafe_core::IdError>,
{
    let value = get(row, at, column);
    value.parse::<C>().map_err(|e| RowProblem::BadCode {
        column: column.into(),
        value: value.into(),
        reason: e.to_string(),
    })
}

fn is_blank(row: &[String]) -> bool {
    row.iter().all(|c| c.is_empty())
}

/// Imports grids: all rows or none. Returns how many were imported.
pub fn import_grids(store: &dyn Store, path: &Path) -> Result<usize, ImportError> {
    let rows = read_rows(path)?;
    let nodes = parse_grids(&rows, store.grids()?).map_err(|rows| ImportError::Rows {
        path: path.display().to_string(),
        rows,
    })?;
    store.upsert_grids(&nodes)?;
    Ok(nodes.len())
}

/// Checks the rows and the tree they make with `existing`.
pub fn parse_grids(
    rows: &[Vec<String>],
    existing: Vec<GridNode>,
) -> Result<Vec<GridNode>, Vec<RowError>> {
    let Some(header) = rows.first() else {
        return Err(vec![(1, RowProblem::EmptyFile)]);
    };
    let at = columns(
        header,
        &[
            ("code", "编码", true),
            ("name", "名称", true),
            ("parent_code", "上级编码", true),
            ("level", "层级", true),
            ("responsible", "责任人", false),
        ],
    )
    .map_err(|e| vec![(1, e)])?;
    let mut errors = Vec::new();
    let mut nodes = Vec::new();
    let mut row_of: HashMap<GridCode, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let n = i + 1;
        if is_blank(row) {
            continue;
        }
        let code = match parse_code::<GridCode>(row, &at, "code") {
            Ok(c) => c,
            Err(p) => {
                errors.push((n, p));
                continue;
            }
        };
        if let Some(first_row) = row_of.insert(code.clone(), n) {
            errors.push((
                n,
                RowProblem::Duplicate {
                    value: code.to_string(),
                    first_row,
                },
            ));
        }
        let name = get(row, &at, "name").to_owned();
        if name.is_empty() {
            errors.push((n, RowProblem::NoName));
        }
        let parent = match get(row, &at, "parent_code") {
            "" => None,
            _ => match parse_code::<GridCode>(row, &at, "parent_code") {
                Ok(p) => Some(p),
                Err(p) => {
                    errors.push((n, p));
                    None
                }
            },
        };
        let level_text = get(row, &at, "level");
        let Some(level) = key_or_label::<GridLevel>(level_text) else {
            errors.push((
                n,
                RowProblem::BadLevel {
                    value: level_text.into(),
                },
            ));
            continue;
        };
        let responsible = Some(get(row, &at, "responsible").to_owned()).filter(|s| !s.is_empty());
        nodes.push(GridNode {
            code,
            name,
            parent,
            level,
            responsible,
        });
    }
    if nodes.is_empty() && errors.is_empty() {
        errors.push((2, RowProblem::NoRows));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // The tree as it will stand: stored grids, replaced by the file's rows.
    let mut merged: Vec<GridNode> = existing
        .into_iter()
        .filter(|g| !row_of.contains_key(&g.code))
        .collect();
    merged.extend(nodes.iter().cloned());
    if let Err(e) = GridTree::new(merged) {
        use gridsafe_core::grid::GridError::*;
        let (code, problem) = match &e {
            Duplicate(c) => (c, "duplicate"),
            Cycle(c) => (c, "cycle"),
            EmptyName(c) => (c, "empty_name"),
            Unknown(c) => (c, "unknown"),
            UnknownParent { code, .. } => (code, "unknown_parent"),
            LevelOrder { code, .. } => (code, "level_order"),
        };
        let row = row_of.get(code).copied().unwrap_or(1);
        return Err(vec![(
            row,
            RowProblem::Tree {
                grid: code.to_string(),
                problem: problem.into(),
                message: e.to_string(),
            },
        )]);
    }
    Ok(nodes)
}

/// Imports monitoring points: all rows or none.
pub fn import_points(store: &dyn Store, path: &Path) -> Result<usize, ImportError> {
    let rows = read_rows(path)?;
    let tree = GridTree::new(store.grids()?).map_err(|e| ImportError::Rows {
        path: path.display().to_string(),
        rows: vec![(
            0,
            RowProblem::Tree {
                grid: String::new(),
                problem: "stored".into(),
                message: format!("the stored grid tree is broken: {e}"),
            },
        )],
    })?;
    let points = parse_points(&rows, &tree).map_err(|rows| ImportError::Rows {
        path: path.display().to_string(),
        rows,
    })?;
    store.upsert_points(&points)?;
    Ok(points.len())
}

pub fn parse_points(
    rows: &[Vec<String>],
    tree: &GridTree,
) -> Result<Vec<MonitoringPoint>, Vec<RowError>> {
    let Some(header) = rows.first() else {
        return Err(vec![(1, RowProblem::EmptyFile)]);
    };
    let at = columns(
        header,
        &[
            ("code", "编码", true),
            ("name", "名称", true),
            ("kind", "类型", true),
            ("grid_code", "网格编码", true),
            ("lat", "纬度", false),
            ("lon", "经度", false),
            ("monitor", "监管责任人", false),
        ],
    )
    .map_err(|e| vec![(1, e)])?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<PointCode, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let n = i + 1;
        if is_blank(row) {
            continue;
        }
        let before = errors.len();
        let code = parse_code::<PointCode>(row, &at, "code");
        if let Ok(c) = &code
            && let Some(&first_row) = seen.get(c)
        {
            errors.push((
                n,
                RowProblem::Duplicate {
                    value: c.to_string(),
                    first_row,
                },
            ));
        } else if let Ok(c) = &code {
            seen.insert(c.clone(), n);
        }
        if let Err(p) = &code {
            errors.push((n, p.clone()));
        }
        let name = get(row, &at, "name").to_owned();
        if name.is_empty() {
            errors.push((n, RowProblem::NoName));
        }
        let kind_text = get(row, &at, "kind");
        let kind = key_or_label::<PointKind>(kind_text);
        if kind.is_none() {
            errors.push((
                n,
                RowProblem::BadKind {
                    value: kind_text.into(),
                },
            ));
        }
        let grid = match parse_code::<GridCode>(row, &at, "grid_code") {
            Ok(g) if tree.contains(&g) => Some(g),
            Ok(g) => {
                errors.push((
                    n,
                    RowProblem::UnknownGrid {
                        grid: g.to_string(),
                    },
                ));
                None
            }
            Err(p) => {
                errors.push((n, p));
                None
            }
        };
        let mut coord = |key: &str, range: (f64, f64)| -> Option<f64> {
            let t = get(row, &at, key);
            if t.is_empty() {
                return None;
            }
            match t.parse::<f64>() {
                Ok(v) if v.is_finite() && (range.0..=range.1).contains(&v) => Some(v),
                _ => {
                    errors.push((
                        n,
                        RowProblem::BadCoordinate {
                            column: key.into(),
                            value: t.into(),
                            min: range.0,
                            max: range.1,
                        },
                    ));
                    None
                }
            }
        };
        let lat = coord("lat", CHINA_LAT);
        let lon = coord("lon", CHINA_LON);
        if lat.is_some() != lon.is_some() && errors.len() == before {
            errors.push((n, RowProblem::HalfCoordinate));
        }
        if errors.len() > before {
            continue;
        }
        let monitor = Some(get(row, &at, "monitor").to_owned()).filter(|s| !s.is_empty());
        out.push(MonitoringPoint {
            code: code.expect("checked"),
            name,
            kind: kind.expect("checked"),
            grid: grid.expect("checked"),
            lat,
            lon,
            monitor,
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push((2, RowProblem::NoRows));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const GRIDS: &str = "编码,名称,上级编码,层级,责任人\n510001,青石镇,,镇,王建国\n510001-01,石桥村,510001,村(社区),李明\n510001-01-01,青石建材有限公司,510001-01,unit,\n";

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
        p
    }

    #[test]
    fn reads_utf8_with_bom_and_gbk_alike() {
        let dir = tempfile::tempdir().unwrap();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(GRIDS.as_bytes());
        let (gbk, _, bad) = encoding_rs::GBK.encode(GRIDS);
        assert!(!bad);
        for (name, bytes) in [
            ("bom.csv", bom),
            ("gbk.csv", gbk.into_owned()),
            ("plain.csv", GRIDS.as_bytes().to_vec()),
        ] {
            let rows = read_rows(&write(dir.path(), name, &bytes)).unwrap();
            let nodes = parse_grids(&rows, vec![]).unwrap();
            assert_eq!(nodes.len(), 3, "{name}");
            assert_eq!(nodes[0].name, "青石镇", "{name}");
            assert_eq!(nodes[0].level, GridLevel::Town);
            assert_eq!(nodes[1].level, GridLevel::Village);
            assert_eq!(nodes[0].responsible.as_deref(), Some("王建国"));
        }
    }

    #[test]
    fn a_cell_beyond_any_sheet_is_refused_before_the_workbook_is_read() {
        let refs = |xml: &str| reference_beyond_a_sheet(xml.as_bytes());
        assert_eq!(
            refs(r#"<c r="A1"/><c r='XFD1048576'/><dimension ref="A1:XFD1048576"/>"#),
            None
        );
        assert_eq!(
            refs(r#"<row r="1048576" spans="1:3"><c r="B2" t="s"><v>0</v></c></row>"#),
            None
        );
        assert_eq!(
            refs(r#"<selection sqref="A1 B2:C3"/><x r:id="rId1"/>"#),
            None
        );
        assert_eq!(refs(r#"<c r="AAAAAAA1"/>"#).as_deref(), Some("AAAAAAA1"));
        assert_eq!(refs(r#"<c  r = 'XFDA1' />"#).as_deref(), Some("XFDA1"));
        assert_eq!(
            refs(r#"<row r="12345678901"/>"#).as_deref(),
            Some("12345678901")
        );
        assert_eq!(
            refs(r#"<mergeCell ref="A1:ZZZZ9"/>"#).as_deref(),
            Some("A1:ZZZZ9")
        );
        assert_eq!(
            refs(r#"<c r="A1"><f>ref="AAAAAAA1"</f></c>"#),
            None,
            "text, not an attribute"
        );
        assert_eq!(refs("<c r=\"A1"), None, "cut off");

        // A workbook the fuzzer made that once overflowed calamine's count
        // (its first byte picks the file kind in the fuzz target).
        let found = include_bytes!("../../fuzz/seeds/import_rows/workbook-cell-beyond-sheet");
        let err = rows_of(FileKind::Workbook, &found[1..]).unwrap_err();
        assert!(err.contains("beyond any Excel sheet"), "{err}");
    }

    #[test]
    fn a_workbook_that_unpacks_beyond_the_bound_is_refused_before_it_is_read() {
        use std::io::Write;
        let real = xlsx(&[&["code", "name"], &["510001", "青石镇"]]);
        check_workbook(&real, MAX_UNPACKED).unwrap();
        let unpacked = |b: &[u8]| {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(b)).unwrap();
            (0..zip.len())
                .map(|i| zip.by_index(i).unwrap().size())
                .sum::<u64>()
        };
        // The real workbook fits a bound of its own size, and not one byte less.
        check_workbook(&real, unpacked(&real)).unwrap();
        let err = check_workbook(&real, unpacked(&real) - 1).unwrap_err();
        assert!(err.contains("unpacks to more than"), "{err}");

        // A part that is not XML counts too: calamine reads the `.rels`.
        let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        bomb.start_file("xl/_rels/workbook.xml.rels", deflated)
            .unwrap();
        bomb.write_all(&vec![b' '; 3 << 20]).unwrap();
        let bomb = bomb.finish().unwrap().into_inner();
        assert!(bomb.len() < 64 << 10, "{} bytes packed", bomb.len());
        let err = check_workbook(&bomb, 2 << 20).unwrap_err();
        assert!(err.contains("more than 2 MB"), "{err}");
        check_workbook(&bomb, 4 << 20).unwrap();
    }

    #[test]
    fn reads_xlsx() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("grids.xlsx");
        std::fs::write(
            &p,
            crate::import::tests::xlsx(&[
                &["code", "name", "parent_code", "level", "responsible"],
                &["510001", "青石镇", "", "town", "王建国"],
                &["510001-02", "柳溪村", "510001", "village", ""],
            ]),
        )
        .unwrap();
        let nodes = parse_grids(&read_rows(&p).unwrap(), vec![]).unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[1].parent.as_ref().unwrap().as_str(), "510001");
    }

    #[test]
    fn bad_rows_are_named_and_nothing_passes() {
        let rows: Vec<Vec<String>> = [
            "code,name,parent_code,level,responsible",
            "T,青石镇,,town,",
            "V1,石桥村,T,hamlet,",
            "a/b,坏,T,village,",
            "V2,,T,village,",
        ]
        .iter()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
        let errs = parse_grids(&rows, vec![]).unwrap_err();
        let at: Vec<usize> = errs.iter().map(|e| e.0).collect();
        assert_eq!(at, [3, 4, 5], "{errs:?}");
    }

    #[test]
    fn cycles_and_unknown_parents_are_refused_with_their_row() {
        let rows: Vec<Vec<String>> = [
            "code,name,parent_code,level",
            "A,甲村,B,village",
            "B,乙村,A,village",
        ]
        .iter()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
        let errs = parse_grids(&rows, vec![]).unwrap_err();
        assert!(
            matches!(&errs[0].1, RowProblem::Tree { problem, .. } if problem == "cycle"),
            "{errs:?}"
        );
        assert!(errs[0].0 == 2 || errs[0].0 == 3);
        let rows: Vec<Vec<String>> = ["code,name,parent_code,level", "V9,某村,NOPE,village"]
            .iter()
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect();
        let errs = parse_grids(&rows, vec![]).unwrap_err();
        assert_eq!(errs[0].0, 2);
        assert!(
            matches!(&errs[0].1, RowProblem::Tree { problem, message, .. }
                if problem == "unknown_parent" && message.contains("NOPE")),
            "{errs:?}"
        );
    }

    #[test]
    fn points_check_kind_grid_and_coordinates() {
        let rows: Vec<Vec<String>> = GRIDS
            .lines()
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect();
        let tree = GridTree::new(parse_grids(&rows, vec![]).unwrap()).unwrap();
        let pts: Vec<Vec<String>> = [
            "编码,名称,类型,网格编码,纬度,经度,监管责任人",
            "LS-01,后山滑坡体,滑坡体,510001-01,30.1,103.5,张三",
            "RS-01,龙潭水库,reservoir,510001,,,",
        ]
        .iter()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
        let ok = parse_points(&pts, &tree).unwrap();
        assert_eq!(ok[0].kind, PointKind::Landslide);
        assert_eq!(ok[1].lat, None);
        let bad: Vec<Vec<String>> = [
            "code,name,kind,grid_code,lat,lon,monitor",
            "X1,某点,volcano,510001,,,",
            "X2,某点,deep_water,NOWHERE,,,",
            "X3,某点,deep_water,510001,0,0,",
        ]
        .iter()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
        let errs = parse_points(&bad, &tree).unwrap_err();
        let rows: Vec<usize> = errs.iter().map(|e| e.0).collect();
        assert_eq!(rows, [2, 3, 4, 4], "{errs:?}");
    }

    fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                // A code typed as a number, as Excel users do.
                match cell.parse::<f64>() {
                    Ok(n) => sheet.write_number(r as u32, c as u16, n).unwrap(),
                    Err(_) => sheet.write_string(r as u32, c as u16, *cell).unwrap(),
                };
            }
        }
        wb.save_to_buffer().unwrap()
    }
}
