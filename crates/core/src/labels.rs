//! The label tables handed to the UI: every stable key's label in each
//! language, the readings' labels and units, and the sector examples. The UI
//! loads them under its `keys` namespace instead of repeating them.

use serde_json::{Map, Value, json};

use crate::assessment::{DeductionKind, Grade, VetoRule};
use crate::event::EventKind;
use crate::hazard::Superseded;
use crate::keys::{
    BannedDish, ChecklistItem, GridLevel, HazardLevel, HazardStatus, ItemResult, Lang, PointKind,
    PromiseKind, Role, Sector, StableKey, TaskKind, TaskStatus, Verdict,
};
use crate::reading;

fn table<K: StableKey>(lang: Lang) -> (String, Value) {
    let entries: Map<String, Value> = K::ALL
        .iter()
        .map(|k| (k.key().to_owned(), json!(k.label(lang))))
        .collect();
    (K::TABLE.to_owned(), Value::Object(entries))
}

/// `{ "zh-CN": { "sector": { "road_traffic": "道路交通", ... }, ... }, "en": { ... } }`
pub fn label_tables() -> Value {
    let mut out = Map::new();
    for lang in Lang::ALL {
        let mut m: Map<String, Value> = [
            table::<Sector>(lang),
            table::<HazardLevel>(lang),
            table::<HazardStatus>(lang),
            table::<PointKind>(lang),
            table::<Verdict>(lang),
            table::<Role>(lang),
            table::<GridLevel>(lang),
            table::<EventKind>(lang),
            table::<Superseded>(lang),
            table::<TaskKind>(lang),
            table::<TaskStatus>(lang),
            table::<ChecklistItem>(lang),
            table::<ItemResult>(lang),
            table::<BannedDish>(lang),
            table::<PromiseKind>(lang),
            table::<DeductionKind>(lang),
            table::<Grade>(lang),
            table::<VetoRule>(lang),
        ]
        .into_iter()
        .collect();
        let readings: Map<String, Value> = reading::all_specs()
            .into_iter()
            .map(|s| (s.key.to_owned(), json!(s.label(lang))))
            .collect();
        m.insert("reading".into(), Value::Object(readings));
        let examples: Map<String, Value> = Sector::ALL
            .iter()
            .map(|s| (s.key().to_owned(), json!(s.examples(lang))))
            .collect();
        m.insert("sector_examples".into(), Value::Object(examples));
        let item_sectors: Map<String, Value> = ChecklistItem::ALL
            .iter()
            .map(|i| (i.key().to_owned(), json!(i.sector().key())))
            .collect();
        m.insert("checklist_item_sector".into(), Value::Object(item_sectors));
        out.insert(lang.tag().to_owned(), Value::Object(m));
    }
    Value::Object(out)
}

/// Each kind's readings form (keys, types, units, limits), for the check screen.
pub fn reading_forms() -> Value {
    let forms: Map<String, Value> = PointKind::ALL
        .iter()
        .map(|&k| {
            let specs: Vec<Value> = reading::specs(k)
                .iter()
                .map(|s| serde_json::to_value(s).expect("a reading spec serialises"))
                .collect();
            (k.key().to_owned(), Value::Array(specs))
        })
        .collect();
    Value::Object(forms)
}
