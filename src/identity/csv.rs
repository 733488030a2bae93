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

use memchr::memchr;

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

/// Reads records one at a time. A field is a range of the input when it appears there verbatim
/// (every unquoted field, and a quoted one without `""` that ends on its first line); only the
/// others are rebuilt, into one reused buffer. A record therefore costs no allocation and, in the
/// common case, no copy.
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    /// Where the next line starts.
    offset: usize,
    /// Physical lines consumed so far (Go's `numLine`).
    line: u64,
    /// The current line: its first byte, the end of its content (before `\r\n` or `\n`), and
    /// whether a `\n` ended it.
    line_start: usize,
    line_end: usize,
    newline: bool,
    /// Rebuilt fields of the current record.
    buf: Vec<u8>,
    fields: Vec<Field>,
}

/// Where a field's bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// `input[start..end]`.
    Input(usize, usize),
    /// The reader's buffer, `buf[start..end]`.
    Rebuilt(usize, usize),
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self {
            input,
            offset: 0,
            line: 0,
            line_start: 0,
            line_end: 0,
            newline: false,
            buf: Vec::new(),
            fields: Vec::new(),
        }
    }

    /// Reads the next record. `Ok(Some(line))` gives the line it starts on; `Ok(None)` is the end
    /// of the input.
    pub(crate) fn read_record(&mut self) -> Result<Option<u64>, CsvError> {
        // Skip blank lines; a line that is only "\n" (or "\r\n") holds no record.
        loop {
            if !self.read_line() {
                return Ok(None);
            }
            if self.line_end > self.line_start {
                break;
            }
        }
        let start_line = self.line;
        self.buf.clear();
        self.fields.clear();
        let input = self.input;
        let mut pos = self.line_start;
        loop {
            if pos < self.line_end && input.get(pos) == Some(&b'"') {
                pos += 1;
                // `start` is where the bytes not yet copied begin; `rebuilt` says whether the field
                // has had to move into `buf` (after `""` or a line end).
                let mut start = pos;
                let mut rebuilt: Option<usize> = None;
                loop {
                    let line = input.get(pos..self.line_end).unwrap_or_default();
                    if let Some(i) = memchr(b'"', line) {
                        let quote = pos + i;
                        pos = quote + 1;
                        let next = if pos < self.line_end {
                            input.get(pos).copied()
                        } else {
                            None
                        };
                        match next {
                            Some(b'"') => {
                                // `""` is one literal quote: keep the first, skip the second.
                                rebuilt.get_or_insert(self.buf.len());
                                self.buf
                                    .extend_from_slice(input.get(start..pos).unwrap_or_default());
                                pos += 1;
                                start = pos;
                            }
                            Some(b',') | None => {
                                let field = match rebuilt {
                                    Some(from) => {
                                        self.buf.extend_from_slice(
                                            input.get(start..quote).unwrap_or_default(),
                                        );
                                        Field::Rebuilt(from, self.buf.len())
                                    }
                                    None => Field::Input(start, quote),
                                };
                                self.fields.push(field);
                                if next.is_none() {
                                    return Ok(Some(start_line));
                                }
                                pos += 1;
                                break;
                            }
                            Some(_) => {
                                // Go points at the closing quote.
                                return Err(self.error(
                                    start_line,
                                    self.column(quote),
                                    CsvErrorKind::Quote,
                                ));
                            }
                        }
                    } else {
                        // The quoted field goes on past the end of this line (or the input ends
                        // inside it).
                        rebuilt.get_or_insert(self.buf.len());
                        self.buf
                            .extend_from_slice(input.get(start..self.line_end).unwrap_or_default());
                        if self.newline {
                            self.buf.push(b'\n');
                        }
                        // Go's column after the line's last byte, where it reports an input
                        // that ends inside the quotes.
                        let end_column = self.column(self.line_end) + u64::from(self.newline);
                        if !self.read_line() {
                            return Err(self.error(start_line, end_column, CsvErrorKind::Quote));
                        }
                        pos = self.line_start;
                        start = pos;
                    }
                }
            } else {
                let line = input.get(pos..self.line_end).unwrap_or_default();
                match memchr::memchr2(b',', b'"', line) {
                    Some(j) if line.get(j) == Some(&b'"') => {
                        return Err(self.error(
                            start_line,
                            self.column(pos + j),
                            CsvErrorKind::BareQuote,
                        ));
                    }
                    Some(j) => {
                        self.fields.push(Field::Input(pos, pos + j));
                        pos += j + 1;
                    }
                    None => {
                        self.fields.push(Field::Input(pos, self.line_end));
                        return Ok(Some(start_line));
                    }
                }
            }
        }
    }

    /// The number of fields of the current record.
    pub(crate) fn field_count(&self) -> usize {
        self.fields.len()
    }

    /// Where field `i` of the current record is, if there is such a field.
    pub(crate) fn span(&self, i: usize) -> Option<Field> {
        self.fields.get(i).copied()
    }

    /// The bytes of a field.
    pub(crate) fn bytes(&self, field: Field) -> &[u8] {
        match field {
            Field::Input(start, end) => self.input.get(start..end).unwrap_or_default(),
            Field::Rebuilt(start, end) => self.buf.get(start..end).unwrap_or_default(),
        }
    }

    /// Go's `readLine`: the next line up to `\n`, with `\r\n` normalised to `\n` and a lone `\r`
    /// at the very end of the input dropped. `false` at the end of the input (a final lone `\r`
    /// is the end of the input too: Go reads it as an empty line that ends the input).
    fn read_line(&mut self) -> bool {
        let rest = self.input.get(self.offset..).unwrap_or_default();
        if rest.is_empty() {
            return false;
        }
        let (len, newline) = match memchr(b'\n', rest) {
            Some(i) => (i, true),
            None => (rest.len(), false),
        };
        let start = self.offset;
        self.offset += len + usize::from(newline);
        let mut end = start + len;
        if end > start && self.input.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        if end == start && !newline {
            return false;
        }
        self.line += 1;
        self.line_start = start;
        self.line_end = end;
        self.newline = newline;
        true
    }

    /// Go's 1-based column of input position `pos` on the current line.
    fn column(&self, pos: usize) -> u64 {
        as_u64(pos - self.line_start + 1)
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
                        .map(|i| reader.bytes(reader.span(i).unwrap()).to_vec())
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
        assert_eq!(reader.span(0), Some(Field::Rebuilt(0, 3)));
        assert_eq!(reader.bytes(reader.span(0).unwrap()), b"x\ny");
        assert_eq!(reader.span(1), Some(Field::Input(14, 15)));
        assert_eq!(reader.span(7), None);
        assert_eq!(reader.read_record(), Ok(None));
    }
}
