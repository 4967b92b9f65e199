//! Results as people and programs read them: a table, and one JSON line per result.
//!
//! Every record names the workload and the server profile it ran against, so a line pasted
//! into docs/benchmarks.md or a spreadsheet says what it measured.

use serde_json::{Map, Value};

/// One result: a workload's figures, in the order they are printed.
#[derive(Debug, Clone)]
pub struct Record {
    /// `pairs`, `group`, `idle`, `history`, or `pairs-saturate` for a summary.
    pub workload: &'static str,
    /// `(name, value)` in print order.
    pub fields: Vec<(&'static str, Value)>,
}

impl Record {
    /// An empty record of `workload`.
    pub fn new(workload: &'static str) -> Self {
        Self {
            workload,
            fields: Vec::new(),
        }
    }

    /// Adds a field.
    pub fn with(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// The JSON line: `{"workload": ..., "profile": ..., <fields>}`.
    pub fn json_line(&self, profile: &str) -> String {
        let mut map = Map::new();
        map.insert("workload".into(), self.workload.into());
        map.insert("profile".into(), profile.into());
        for (name, value) in &self.fields {
            map.insert((*name).into(), value.clone());
        }
        Value::Object(map).to_string()
    }
}

/// A value as a table cell: numbers with at most one decimal, strings bare.
fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => format!("{:.1}", n.as_f64().unwrap_or(0.0)),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// One aligned table of records that share their field names.
fn table(records: &[&Record]) -> String {
    let Some(first) = records.first() else {
        return String::new();
    };
    let header: Vec<String> = std::iter::once("workload".to_owned())
        .chain(first.fields.iter().map(|(n, _)| (*n).to_owned()))
        .collect();
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            std::iter::once(r.workload.to_owned())
                .chain(r.fields.iter().map(|(_, v)| cell(v)))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(String::len).collect();
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.len());
            }
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = line(&header);
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

/// The records as aligned tables (one per run of records with the same fields), then
/// their JSON lines, each naming `profile`.
pub fn render(records: &[Record], profile: &str) -> String {
    let mut out = format!("# server profile: {profile}\n");
    let mut group: Vec<&Record> = Vec::new();
    for record in records {
        let same = group.last().is_none_or(|last| {
            last.fields
                .iter()
                .map(|f| f.0)
                .eq(record.fields.iter().map(|f| f.0))
        });
        if !same {
            out.push_str(&table(&group));
            out.push('\n');
            group.clear();
        }
        group.push(record);
    }
    out.push_str(&table(&group));
    for record in records {
        out.push_str(&record.json_line(profile));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_becomes_a_json_line_naming_the_profile() {
        let record = Record::new("pairs")
            .with("clients", 1000)
            .with("p99_ms", 12.5);
        let value: Value = serde_json::from_str(&record.json_line("bench")).expect("JSON");
        assert_eq!(value["workload"], "pairs");
        assert_eq!(value["profile"], "bench");
        assert_eq!(value["clients"], 1000);
        assert_eq!(value["p99_ms"], 12.5);
    }

    #[test]
    fn the_table_aligns_columns_and_ends_with_the_json_lines() {
        let records = [
            Record::new("pairs").with("rate", 100).with("ok", "yes"),
            Record::new("pairs").with("rate", 20000).with("ok", "no"),
        ];
        let out = render(&records, "bench");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "# server profile: bench");
        assert_eq!(lines[1], "workload   rate   ok");
        assert_eq!(lines[2], "   pairs    100  yes");
        assert_eq!(lines[3], "   pairs  20000   no");
        assert!(lines[4].starts_with('{') && lines[5].starts_with('{'));
    }

    #[test]
    fn records_with_other_fields_get_their_own_table() {
        let records = [
            Record::new("pairs").with("rate", 100),
            Record::new("pairs-check").with("lost", 0),
        ];
        let out = render(&records, "bench");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[1], "workload  rate");
        assert_eq!(lines[3], "");
        assert_eq!(lines[4], "   workload  lost");
        assert_eq!(lines[5], "pairs-check     0");
    }
}
