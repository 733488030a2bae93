//! Go's `encoding/csv` reader exactly as kube-apiserver configures it for `--token-auth-file`:
//! every option at its default except `FieldsPerRecord = -1`.
//!
//! This is the one hand-written parser of the crate. No Rust CSV library reproduces Go's
//! observable behaviour — its error texts and 1-based byte positions, CRLF normalisation, the
//! dropped `\r` before end of input, blank-line skipping and its treatment of a `"` that does
//! not open a field — and kube-apiserver's token-file errors are those texts verbatim.
//!
//! The reader works on bytes (Go accepts any bytes); the token-file layer above decides what to
//! do with text that is not UTF-8.

use memchr::{memchr, memchr2};

/// Why Go's CSV reader stopped: the `Err` of a Go `*csv.ParseError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CsvErrorKind {
    /// Go's `ErrBareQuote`: a `"` inside a field that did not start with `"`.
    BareQuote,
    /// Go's `ErrQuote`: text after the closing `"` of a quoted field, or the input ended inside
    /// a quoted field.
    Quote,
}

impl CsvErrorKind {
    /// Go's error text.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BareQuote => "bare \" in non-quoted-field",
            Self::Quote => "extraneous or missing \" in quoted-field",
        }
    }
}

impl std::fmt::Display for CsvErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CSV syntax error, as Go's `*csv.ParseError`: where the record started, where the error
/// is, and what it is. Lines are 1-based physical lines (blank lines count); columns are 1-based
/// byte positions in the line after `\r\n` → `\n` normalisation.
///
/// Its `Display` is Go's `ParseError.Error()` byte for byte.
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub struct CsvError {
    /// The line on which the failing record started.
    pub start_line: u64,
    /// The line of the error.
    pub line: u64,
    /// The byte column of the error.
    pub column: u64,
    /// What went wrong.
    pub kind: CsvErrorKind,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.start_line == self.line {
            write!(
                f,
                "parse error on line {}, column {}: {}",
                self.line, self.column, self.kind
            )
        } else {
            write!(
                f,
                "record on line {}; parse error on line {}, column {}: {}",
                self.start_line, self.line, self.column, self.kind
            )
        }
    }
}

/// Reads records one at a time; the fields of the current record live in one reused buffer,
/// as in Go, so a record costs no allocation once the buffer has grown.
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    offset: usize,
    /// Physical lines consumed so far (Go's `numLine`).
    line: u64,
    /// The current record's fields, concatenated.
    buf: Vec<u8>,
    /// The end of each field in `buf`.
    ends: Vec<usize>,
}

/// One physical line after Go's `readLine` normalisation: the content without its terminator,
/// and whether a `\n` ended it.
#[derive(Clone, Copy)]
struct Line<'a> {
    content: &'a [u8],
    newline: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self {
            input,
            offset: 0,
            line: 0,
            buf: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// Reads the next record. `Ok(Some(line))` gives the line it starts on; `Ok(None)` is the end
    /// of the input.
    pub(crate) fn read_record(&mut self) -> Result<Option<u64>, CsvError> {
        // Skip blank lines; a line that is only "\n" (or "\r\n") holds no record.
        let mut line = loop {
            let Some(line) = self.read_line() else {
                return Ok(None);
            };
            if !line.content.is_empty() {
                break line;
            }
        };
        let start_line = self.line;
        self.buf.clear();
        self.ends.clear();
        let mut rest = line.content;
        let mut column: u64 = 1;
        loop {
            if let Some((b'"', after_quote)) = rest.split_first() {
                rest = after_quote;
                column += 1;
                loop {
                    if let Some(i) = memchr(b'"', rest) {
                        let (data, from_quote) = rest.split_at(i);
                        self.buf.extend_from_slice(data);
                        rest = from_quote.get(1..).unwrap_or_default();
                        column += as_u64(i) + 1;
                        match rest.split_first() {
                            Some((b'"', after)) => {
                                // `""` is one literal quote.
                                self.buf.push(b'"');
                                rest = after;
                                column += 1;
                            }
                            Some((b',', after)) => {
                                rest = after;
                                column += 1;
                                self.ends.push(self.buf.len());
                                break;
                            }
                            None => {
                                self.ends.push(self.buf.len());
                                return Ok(Some(start_line));
                            }
                            Some(_) => {
                                // Go points at the closing quote.
                                return Err(self.error(
                                    start_line,
                                    column - 1,
                                    CsvErrorKind::Quote,
                                ));
                            }
                        }
                    } else if !rest.is_empty() || line.newline {
                        // The quoted field goes on past the end of this line.
                        self.buf.extend_from_slice(rest);
                        if line.newline {
                            self.buf.push(b'\n');
                        }
                        column += as_u64(rest.len()) + u64::from(line.newline);
                        match self.read_line() {
                            Some(next) => {
                                line = next;
                                column = 1;
                            }
                            None => {
                                line = Line {
                                    content: &[],
                                    newline: false,
                                };
                            }
                        }
                        rest = line.content;
                    } else {
                        // The input ended inside the quotes; Go points one past the last byte.
                        return Err(self.error(start_line, column, CsvErrorKind::Quote));
                    }
                }
            } else {
                match memchr2(b',', b'"', rest) {
                    Some(j) if rest.get(j) == Some(&b'"') => {
                        return Err(self.error(
                            start_line,
                            column + as_u64(j),
                            CsvErrorKind::BareQuote,
                        ));
                    }
                    Some(j) => {
                        let (field, from_comma) = rest.split_at(j);
                        self.buf.extend_from_slice(field);
                        self.ends.push(self.buf.len());
                        rest = from_comma.get(1..).unwrap_or_default();
                        column += as_u64(j) + 1;
                    }
                    None => {
                        self.buf.extend_from_slice(rest);
                        self.ends.push(self.buf.len());
                        return Ok(Some(start_line));
                    }
                }
            }
        }
    }

    /// The number of fields of the current record.
    pub(crate) fn field_count(&self) -> usize {
        self.ends.len()
    }

    /// Field `i` of the current record; empty when there is no such field.
    pub(crate) fn field(&self, i: usize) -> &[u8] {
        let start = match i.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.buf.get(start..end).unwrap_or_default()
    }

    /// Go's `readLine`: one line up to and including `\n`, `\r\n` normalised to `\n`, and a lone
    /// `\r` at the very end of the input dropped. `None` at the end of the input (a final lone
    /// `\r` is the end of the input too: Go reads it as an empty line that ends the input).
    fn read_line(&mut self) -> Option<Line<'a>> {
        let rest = self.input.get(self.offset..).unwrap_or_default();
        if rest.is_empty() {
            return None;
        }
        let (raw, newline) = match memchr(b'\n', rest) {
            Some(i) => (rest.split_at(i).0, true),
            None => (rest, false),
        };
        self.offset += raw.len() + usize::from(newline);
        let content = raw.strip_suffix(b"\r").unwrap_or(raw);
        if content.is_empty() && !newline {
            return None;
        }
        self.line += 1;
        Some(Line { content, newline })
    }

    fn error(&self, start_line: u64, column: u64, kind: CsvErrorKind) -> CsvError {
        CsvError {
            start_line,
            line: self.line,
            column,
            kind,
        }
    }
}

/// Byte counts fit in `u64` on every platform Rust supports.
fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &[u8]) -> (Vec<Vec<Vec<u8>>>, Option<String>) {
        let mut reader = Reader::new(input);
        let mut out = Vec::new();
        loop {
            match reader.read_record() {
                Ok(Some(_)) => out.push(
                    (0..reader.field_count())
                        .map(|i| reader.field(i).to_vec())
                        .collect(),
                ),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn every_csv_vector_reads_as_go_reads_it() {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/identity/csv_vectors.json"))
                .unwrap();
        let vectors = vectors.as_array().unwrap();
        assert_eq!(vectors.len(), 29);
        for v in vectors {
            let input = v["input"].as_str().unwrap();
            let (recs, err) = records(input.as_bytes());
            let want: Vec<Vec<Vec<u8>>> = v["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r.as_array()
                        .unwrap()
                        .iter()
                        .map(|f| f.as_str().unwrap().as_bytes().to_vec())
                        .collect()
                })
                .collect();
            assert_eq!(recs, want, "{input:?}");
            assert_eq!(err.as_deref(), v["error"].as_str(), "{input:?}");
        }
    }

    /// Go's `csv.Writer` with default settings.
    fn go_write(records: &[Vec<String>]) -> String {
        let mut out = String::new();
        for record in records {
            for (i, field) in record.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let needs_quotes = !field.is_empty()
                    && (field == r"\."
                        || field.contains(['\n', '\r', '"', ','])
                        || field.chars().next().is_some_and(char::is_whitespace));
                if needs_quotes {
                    out.push('"');
                    out.push_str(&field.replace('"', "\"\""));
                    out.push('"');
                } else {
                    out.push_str(field);
                }
            }
            out.push('\n');
        }
        out
    }

    proptest::proptest! {
        /// What Go's writer produces reads back to the same records. (Two things Go's writer
        /// cannot round-trip are left out: a record of one empty field, written as a blank line,
        /// and `\r\n` inside a field, which the reader normalises to `\n`.)
        #[test]
        fn go_writer_output_reads_back(
            recs in proptest::collection::vec(
                proptest::collection::vec("[a ,\"\n\r\t\u{e9}\\\\.]{0,6}", 1..5),
                0..6,
            )
        ) {
            let recs: Vec<Vec<String>> = recs
                .into_iter()
                .filter(|r| !(r.len() == 1 && r[0].is_empty()))
                .map(|r| r.into_iter().map(|f| f.replace('\r', "\r.")).collect())
                .collect();
            let (read, err) = records(go_write(&recs).as_bytes());
            proptest::prop_assert_eq!(err, None);
            let want: Vec<Vec<Vec<u8>>> = recs
                .iter()
                .map(|r| r.iter().map(|f| f.as_bytes().to_vec()).collect())
                .collect();
            proptest::prop_assert_eq!(read, want);
        }

        #[test]
        fn reading_never_panics(input in proptest::collection::vec(
            proptest::sample::select(b"ab,\"\n\r \xff".to_vec()), 0..64)
        ) {
            let _ = records(&input);
        }
    }

    #[test]
    fn multi_line_record_reports_both_lines() {
        let (recs, err) = records(b"\"a\nb\",c\"d\n");
        assert!(recs.is_empty());
        assert_eq!(
            err.as_deref(),
            Some("record on line 1; parse error on line 2, column 5: bare \" in non-quoted-field")
        );
    }

    #[test]
    fn unterminated_quote_at_end_of_input_points_past_last_byte() {
        let (_, err) = records(b"\"a\n");
        assert_eq!(
            err.as_deref(),
            Some("parse error on line 1, column 4: extraneous or missing \" in quoted-field")
        );
        let (_, err) = records(b"\"a\nb");
        assert_eq!(
            err.as_deref(),
            Some(
                "record on line 1; parse error on line 2, column 2: extraneous or missing \" in quoted-field"
            )
        );
        // A final lone "\r" is the end of the input, even inside quotes.
        let (_, err) = records(b"\"abc\n\r");
        assert_eq!(
            err.as_deref(),
            Some("parse error on line 1, column 6: extraneous or missing \" in quoted-field")
        );
    }

    #[test]
    fn lone_cr_is_data_and_final_cr_is_dropped() {
        let (recs, err) = records(b"a\rb,c\r\r");
        assert_eq!(err, None);
        assert_eq!(recs, vec![vec![b"a\rb".to_vec(), b"c\r".to_vec()]]);
    }

    #[test]
    fn record_start_line_counts_blank_lines() {
        let mut reader = Reader::new(b"\n\r\na,b\n\n\"x\ny\",z\n");
        assert_eq!(reader.read_record(), Ok(Some(3)));
        assert_eq!(reader.read_record(), Ok(Some(5)));
        assert_eq!(reader.field(0), b"x\ny");
        assert_eq!(reader.field(7), b"");
        assert_eq!(reader.read_record(), Ok(None));
    }
}
