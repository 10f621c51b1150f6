//! CSV: a header row, then a row per submission; every text cell made safe for
//! spreadsheets.

use muster_domain::submissions::{columns::Column, spreadsheet::safe_cell};

use super::{export_error, Encoder, Ending, Record, FIXED};
use crate::SubmissionsError;

#[derive(Default)]
pub(crate) struct CsvEncoder;

fn write_row<'a>(cells: impl IntoIterator<Item = &'a str>) -> Result<Vec<u8>, SubmissionsError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(cells.into_iter().map(|cell| safe_cell(cell).into_owned()))
        .map_err(export_error)?;
    writer.into_inner().map_err(export_error)
}

impl Encoder for CsvEncoder {
    fn begin(&mut self, columns: &[Column]) -> Result<Vec<u8>, SubmissionsError> {
        let headings: Vec<String> = columns.iter().map(Column::heading).collect();
        write_row(
            FIXED
                .iter()
                .copied()
                .chain(headings.iter().map(String::as_str)),
        )
    }

    fn rows(&mut self, columns: &[Column], rows: &[Record]) -> Result<Vec<u8>, SubmissionsError> {
        let mut writer = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 128));
        for row in rows {
            let fixed = row.fixed();
            let cells = columns.iter().map(|c| c.cell(&row.document));
            let record: Vec<String> = fixed
                .into_iter()
                .chain(cells)
                .map(|cell| safe_cell(&cell).into_owned())
                .collect();
            writer.write_record(&record).map_err(export_error)?;
        }
        writer.into_inner().map_err(export_error)
    }

    fn end(&mut self) -> Result<Ending, SubmissionsError> {
        Ok(Ending::Bytes(Vec::new()))
    }
}
