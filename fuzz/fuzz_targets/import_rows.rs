//! The bytes of an imported grid or point file, as CSV (UTF-8 or GBK) and
//! as an Excel workbook, through reading and checking the rows: nothing may
//! panic, and whatever is refused is refused with a row and a reason.

#![no_main]

use gridsafe_core::GridTree;
use gridsafe_server::import::{FileKind, parse_grids, parse_points, rows_of};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let kind = if which.is_multiple_of(2) {
        FileKind::Csv
    } else {
        FileKind::Workbook
    };
    let Ok(rows) = rows_of(kind, bytes) else {
        return;
    };
    match parse_grids(&rows, Vec::new()) {
        Ok(nodes) => {
            let tree = GridTree::new(nodes).expect("checked grids make a tree");
            if let Err(errors) = parse_points(&rows, &tree) {
                assert!(errors.iter().all(|(row, why)| *row >= 1 && !why.to_string().is_empty()));
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            assert!(errors.iter().all(|(row, why)| *row >= 1 && !why.to_string().is_empty()));
        }
    }
});
