//! The shared test vectors (sdk/vectors): every figure Python computed must come out the same.

use std::path::{Path, PathBuf};

use aleatoric::arrow_schema::{DataType, TimeUnit};
use aleatoric::{
    Action, Aggressor, BookDelta, BookSnapshot, Dataset, Error, Event, Funding, L2Book, L3Book,
    Mbo, PublicKey, Record, Side, Table, Ticker, Trade,
};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(vectors().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).unwrap()
}

/// The datasets that carry figures (the tampered copies only carry verdicts).
fn datasets(expected: &Value) -> Vec<(String, Value)> {
    let all = expected["datasets"].as_object().unwrap();
    let out: Vec<_> = all
        .iter()
        .filter(|(_, d)| d.get("copy_of").is_none())
        .map(|(name, d)| (name.clone(), d.clone()))
        .collect();
    assert!(out.len() >= 2, "expected at least two golden datasets");
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn manifest_listing_matches_python() {
    let expected = expected();
    for (name, want) in datasets(&expected) {
        let ds = Dataset::open(vectors().join(&name)).unwrap();
        let instruments: Vec<Value> = ds
            .instruments()
            .iter()
            .map(|i| json!({"venue": i.venue, "symbol": i.symbol}))
            .collect();
        assert_eq!(Value::from(instruments), want["instruments"], "{name}");
        let files: Vec<Value> = ds
            .manifest()
            .files
            .iter()
            .map(|f| json!({"path": f.path, "table": f.table, "rows": f.rows, "bytes": f.bytes, "sha256": f.sha256}))
            .collect();
        assert_eq!(Value::from(files), want["files"], "{name}");
        assert_eq!(
            Value::Object(ds.manifest().config.clone()),
            want["config"],
            "{name}"
        );
        assert_eq!(
            serde_json::to_value(ds.segments()).unwrap(),
            want["segments"],
            "{name}"
        );
        let tables: Vec<&str> = ds.tables().iter().map(|t| t.as_str()).collect();
        assert_eq!(
            tables,
            [
                "mbo",
                "book_delta",
                "book_snapshot",
                "trades",
                "ticker",
                "funding"
            ]
        );
        for table in ds.tables() {
            assert_eq!(
                Value::from(ds.rows(table)),
                want["tables"][table.as_str()],
                "{name} {table}"
            );
            let digest = ds.table_digest(table).unwrap();
            assert_eq!(
                Value::from(digest.clone()),
                want["table_digests"][table.as_str()],
                "{name} {table}"
            );
            assert_eq!(ds.manifest().table_digests[table.as_str()], digest);
        }
    }
}

fn pyarrow_type(t: &DataType) -> String {
    match t {
        DataType::Int64 => "int64".into(),
        DataType::UInt64 => "uint64".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::UInt8 => "uint8".into(),
        DataType::Float64 => "double".into(),
        DataType::Utf8 => "string".into(),
        DataType::Boolean => "bool".into(),
        DataType::Timestamp(TimeUnit::Nanosecond, Some(tz)) => {
            format!("timestamp[ns, tz={tz}]")
        }
        other => format!("{other}"),
    }
}

#[test]
fn arrow_batches_have_the_canonical_schemas_and_row_counts() {
    let expected = expected();
    for (name, want) in datasets(&expected) {
        let ds = Dataset::open(vectors().join(&name)).unwrap();
        for table in ds.tables() {
            let mut rows = 0;
            let mut schema = None;
            for batch in ds.batches(table, None).with_batch_size(1000) {
                let batch = batch.unwrap();
                assert!(batch.num_rows() <= 1000);
                rows += batch.num_rows();
                schema.get_or_insert(batch.schema());
            }
            assert_eq!(
                Value::from(rows),
                want["tables"][table.as_str()],
                "{name} {table}"
            );
            // Files decoded ahead on threads come back as the same batches in the same order.
            let sequential: Vec<_> = ds.batches(table, None).map(Result::unwrap).collect();
            let threaded: Vec<_> = ds
                .batches(table, None)
                .with_threads(3)
                .map(Result::unwrap)
                .collect();
            assert!(
                sequential == threaded,
                "{name} {table}: threaded batches differ"
            );
            let schema = schema.unwrap();
            let fields: Vec<Value> = schema
                .fields()
                .iter()
                .map(|f| json!([f.name(), pyarrow_type(f.data_type()), f.is_nullable()]))
                .collect();
            assert_eq!(
                Value::from(fields),
                want["schemas"][table.as_str()],
                "{name} {table}"
            );
            assert_eq!(
                schema.metadata().get("table").map(String::as_str),
                Some(table.as_str())
            );
        }
    }
}

/// A record as Python's figures show a row: column name to value.
trait AsRow {
    fn row(&self) -> Map<String, Value>;
}

fn common<T: Record>(r: &T) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ts_event".into(), r.ts_event().into());
    m.insert("ts_recv".into(), r.ts_recv().into());
    m.insert("seq".into(), r.seq().into());
    m
}

impl AsRow for Mbo {
    fn row(&self) -> Map<String, Value> {
        let mut m = common(self);
        let action = match self.action {
            Action::Add => "A",
            Action::Cancel => "C",
            Action::Modify => "M",
            Action::Trade => "T",
            Action::Fill => "F",
        };
        let side = match self.side {
            Side::Bid => "B",
            Side::Ask => "A",
            Side::None => "N",
        };
        m.insert("order_id".into(), self.order_id.into());
        m.insert("action".into(), action.into());
        m.insert("side".into(), side.into());
        m.insert("price".into(), self.price.into());
        m.insert("size".into(), self.size.into());
        m.insert("flags".into(), self.flags.into());
        m
    }
}

impl AsRow for BookDelta {
    fn row(&self) -> Map<String, Value> {
        let mut m = common(self);
        m.insert(
            "side".into(),
            if self.side == Side::Bid { "bid" } else { "ask" }.into(),
        );
        m.insert("price".into(), self.price.into());
        m.insert("size".into(), self.size.into());
        m.insert("order_count".into(), self.order_count.into());
        m.insert("is_snapshot".into(), self.is_snapshot.into());
        m.insert("is_last".into(), self.is_last.into());
        m
    }
}

impl AsRow for Trade {
    fn row(&self) -> Map<String, Value> {
        let mut m = common(self);
        m.insert("trade_id".into(), self.trade_id.into());
        m.insert("price".into(), self.price.into());
        m.insert("size".into(), self.size.into());
        m.insert(
            "side".into(),
            if self.side == Aggressor::Buy {
                "buy"
            } else {
                "sell"
            }
            .into(),
        );
        m
    }
}

impl AsRow for Ticker {
    fn row(&self) -> Map<String, Value> {
        let mut m = common(self);
        m.insert("mark_price".into(), self.mark_price.into());
        m.insert("index_price".into(), self.index_price.into());
        m.insert("last_price".into(), self.last_price.into());
        m.insert("funding_rate".into(), self.funding_rate.into());
        m.insert(
            "predicted_funding_rate".into(),
            self.predicted_funding_rate.into(),
        );
        m.insert("next_funding_ts".into(), self.next_funding_ts.into());
        m.insert("open_interest".into(), self.open_interest.into());
        m
    }
}

impl AsRow for Funding {
    fn row(&self) -> Map<String, Value> {
        let mut m = common(self);
        m.insert("funding_rate".into(), self.funding_rate.into());
        m.insert("mark_price".into(), self.mark_price.into());
        m
    }
}

impl AsRow for BookSnapshot {
    fn row(&self) -> Map<String, Value> {
        let mut m = common(self);
        for (name, levels) in [("bid", &self.bids), ("ask", &self.asks)] {
            for i in 0..self.depth {
                let level = levels.get(i);
                m.insert(
                    format!("{name}_px_{i:02}"),
                    level.map_or(Value::Null, |l| l.price.into()),
                );
                m.insert(
                    format!("{name}_sz_{i:02}"),
                    level.map_or(0.0, |l| l.size).into(),
                );
            }
        }
        m
    }
}

/// Compare the first, middle and last rows with Python's; floats must be equal exactly.
fn check_rows<T: Record + AsRow + PartialEq + std::fmt::Debug>(
    ds: &Dataset,
    want: &Value,
    name: &str,
) {
    let rows: Vec<T> = ds.read(None).unwrap();
    let streamed: Vec<T> = ds.records::<T>(None).map(Result::unwrap).collect();
    assert!(
        streamed == rows,
        "{name}: streamed records differ from read ones"
    );
    // Strings read plainly (the canonical Arrow types) decode to the same records as
    // strings read as dictionaries (the typed readers' way).
    let plain: Vec<T> = ds
        .batches(T::TABLE, None)
        .flat_map(|b| T::from_batch(&b.unwrap()).unwrap())
        .collect();
    assert!(
        plain == rows,
        "{name}: plain and dictionary string columns decode differently"
    );
    let table = T::TABLE.as_str();
    let chosen = want["rows"][table].as_array().unwrap();
    assert!(!chosen.is_empty(), "{name} {table}: no chosen rows");
    for expected_row in chosen {
        let index = expected_row["index"].as_u64().unwrap() as usize;
        let mut have = rows[index].row();
        have.insert("index".into(), index.into());
        let expected_row = expected_row.as_object().unwrap();
        assert_eq!(
            have.len(),
            expected_row.len(),
            "{name} {table} row {index}: columns"
        );
        for (column, value) in expected_row {
            let got = &have[column];
            let same = match (value.as_f64(), got.as_f64()) {
                (Some(a), Some(b)) if value.is_f64() || got.is_f64() => a == b,
                _ => value == got,
            };
            assert!(
                same,
                "{name} {table} row {index} {column}: {got} != Python's {value}"
            );
        }
    }
    assert_eq!(
        rows.len(),
        chosen.last().unwrap()["index"].as_u64().unwrap() as usize + 1
    );
}

#[test]
fn typed_records_equal_pythons_chosen_rows() {
    let expected = expected();
    for (name, want) in datasets(&expected) {
        let ds = Dataset::open(vectors().join(&name)).unwrap();
        check_rows::<Mbo>(&ds, &want, &name);
        check_rows::<BookDelta>(&ds, &want, &name);
        check_rows::<BookSnapshot>(&ds, &want, &name);
        check_rows::<Trade>(&ds, &want, &name);
        check_rows::<Ticker>(&ds, &want, &name);
        check_rows::<Funding>(&ds, &want, &name);
    }
}

fn top_row(s: &BookSnapshot) -> Value {
    let (bid, ask) = (s.bids.first(), s.asks.first());
    json!([
        s.ts_recv,
        s.seq,
        bid.map(|l| l.price),
        bid.map_or(0.0, |l| l.size),
        ask.map(|l| l.price),
        ask.map_or(0.0, |l| l.size)
    ])
}

#[test]
fn merged_stream_and_book_replay_match_python() {
    let expected = expected();
    for (name, want) in datasets(&expected) {
        let ds = Dataset::open(vectors().join(&name)).unwrap();
        let instruments = ds.instruments();
        assert_eq!(instruments.len(), 1);
        let merged = &want["merged_stream"];
        assert_eq!(merged["order"], json!(["ts_recv", "seq"]));
        let mut hasher = Sha256::new();
        let mut triples = Vec::new();
        let mut tops = Vec::new();
        let mut l2 = L2Book::new();
        let mut l3 = L3Book::new(ds.manifest().instrument.size_grid().unwrap());
        let mut last = None;
        for event in ds.events(&instruments[0]) {
            let event = event.unwrap();
            let key = (event.ts_recv(), event.seq());
            assert!(last < Some(key), "{name}: stream out of order at {key:?}");
            last = Some(key);
            hasher.update(
                format!("{} {} {}\n", event.ts_recv(), event.seq(), event.table()).as_bytes(),
            );
            triples.push(json!([
                event.ts_recv(),
                event.seq(),
                event.table().as_str()
            ]));
            match &event {
                Event::Mbo(row) => l3.apply(row).unwrap(),
                Event::BookDelta(delta) => {
                    l2.apply(delta);
                    // L2 is the aggregation of L3 after every row.
                    let (size, count) = l3.level(delta.side, delta.price);
                    assert_eq!(
                        (size, count),
                        (delta.size, delta.order_count),
                        "{name} seq {}",
                        delta.seq
                    );
                }
                Event::BookSnapshot(s) => {
                    // Every level of the snapshot, not just the top, equals both books.
                    l2.check_snapshot(s).unwrap();
                    l3.check_snapshot(s).unwrap();
                    let (bids, asks) = l2.top(1);
                    assert_eq!(bids.first(), s.bids.first());
                    assert_eq!(asks.first(), s.asks.first());
                    tops.push(top_row(s));
                }
                _ => {}
            }
        }
        assert_eq!(Value::from(triples.len()), merged["events"], "{name}");
        assert_eq!(
            Value::from(hex(&hasher.finalize())),
            merged["sha256"],
            "{name}"
        );
        let head = merged["head"].as_array().unwrap();
        let tail = merged["tail"].as_array().unwrap();
        assert_eq!(&triples[..head.len()], head.as_slice(), "{name}");
        assert_eq!(
            &triples[triples.len() - tail.len()..],
            tail.as_slice(),
            "{name}"
        );
        assert_eq!(Value::from(tops), want["top_of_book"], "{name}");
    }
}

#[test]
fn replay_detects_a_book_that_differs_from_a_snapshot() {
    let ds = Dataset::open(vectors().join("binance-btcusdt")).unwrap();
    let snapshots: Vec<BookSnapshot> = ds.read(None).unwrap();
    let empty = L2Book::new();
    let err = empty.check_snapshot(&snapshots[0]).unwrap_err();
    assert!(
        err.problems().len() >= 2 && err.problems()[0].contains("snapshot bid 0"),
        "{err}"
    );
}

fn verdict(dir: &Path, key: &PublicKey) -> Value {
    match Dataset::open(dir).unwrap().verify_signature(key) {
        Ok(report) => {
            json!({"ok": true, "exit": 0, "files": report.files(), "key_id": report.key_id})
        }
        Err(Error::Verify(problems)) => json!({"ok": false, "exit": 1, "problems": problems}),
        Err(other) => panic!("{}: {other}", dir.display()),
    }
}

#[test]
fn signature_verdicts_equal_aleatoric_verify() {
    let expected = expected();
    let keys: Vec<(String, PublicKey)> = expected["keys"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, path)| {
            (
                name.clone(),
                PublicKey::from_pem_file(vectors().join(path.as_str().unwrap())).unwrap(),
            )
        })
        .collect();
    assert_eq!(keys.len(), 2);
    let algorithms: Vec<&str> = keys.iter().map(|(_, k)| k.algorithm()).collect();
    assert!(algorithms.contains(&"ed25519") && algorithms.contains(&"ecdsa-p256"));
    let mut refused = 0;
    for (name, want) in expected["datasets"].as_object().unwrap() {
        let dir = vectors().join(name);
        for (key_name, key) in &keys {
            let have = verdict(&dir, key);
            assert_eq!(have, want["verify"][key_name], "{name} with {key_name}");
            refused += usize::from(have["ok"] == false);
        }
        let mismatched: Vec<String> = match Dataset::open(&dir).unwrap().verify_files() {
            Ok(()) => vec![],
            Err(e) => e
                .problems()
                .iter()
                .map(|p| p.trim_end_matches(": sha256 mismatch").to_owned())
                .collect(),
        };
        assert_eq!(
            json!({"ok": mismatched.is_empty(), "mismatched": mismatched}),
            want["manifest_check"],
            "{name}"
        );
    }
    assert!(
        refused >= 4,
        "the tampered copies and the wrong keys must be refused"
    );
}

#[test]
fn key_ids_are_the_sha256_of_the_der_public_key() {
    let expected = expected();
    for (name, path) in expected["keys"].as_object().unwrap() {
        let key = PublicKey::from_pem_file(vectors().join(path.as_str().unwrap())).unwrap();
        let signed: Vec<&Value> = expected["datasets"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(|d| {
                d["verify"][name]["key_id"]
                    .as_str()
                    .map(|_| &d["verify"][name]["key_id"])
            })
            .collect();
        assert!(!signed.is_empty());
        for id in signed {
            assert_eq!(id.as_str().unwrap(), key.key_id());
        }
    }
    let private =
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";
    assert!(PublicKey::from_pem(private, "k")
        .unwrap_err()
        .to_string()
        .contains("is a private key"));
    assert!(PublicKey::from_pem("hello", "k")
        .unwrap_err()
        .to_string()
        .contains("not a PEM public key"));
    let missing = PublicKey::from_pem_file("/nonexistent/key.pub").unwrap_err();
    assert!(
        missing.to_string().contains("no such public key file"),
        "{missing}"
    );
}

#[test]
fn a_table_name_is_checked() {
    assert_eq!("book_delta".parse::<Table>().unwrap(), Table::BookDelta);
    let err = "book".parse::<Table>().unwrap_err().to_string();
    assert!(
        err.contains("mbo, book_delta") && err.contains("was \"book\""),
        "{err}"
    );
}
