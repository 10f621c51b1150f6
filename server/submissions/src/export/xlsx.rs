//! XLSX with rust_xlsxwriter in constant-memory mode: each worksheet's rows go to a
//! temporary file as they are written, and the workbook is zipped into another at the
//! end. A sheet holds at most 1 048 576 rows; more continue on the next sheet, under
//! the same header.

use muster_domain::submissions::{columns::Column, spreadsheet::safe_cell};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::{export_error, Encoder, Ending, Record, FIXED};
use crate::SubmissionsError;

/// Excel's rows per sheet.
const SHEET_ROWS: u32 = 1_048_576;

pub(crate) struct XlsxEncoder {
    workbook: Workbook,
    headings: Vec<String>,
    /// The next row of the current sheet.
    row: u32,
    bold: Format,
}

impl XlsxEncoder {
    pub(crate) fn new() -> Result<Self, SubmissionsError> {
        Ok(Self {
            workbook: Workbook::new(),
            headings: Vec::new(),
            row: 0,
            bold: Format::new().set_bold(),
        })
    }

    fn sheet(&mut self) -> Result<&mut Worksheet, SubmissionsError> {
        let index = self.workbook.worksheets_mut().len();
        self.workbook
            .worksheet_from_index(index.saturating_sub(1))
            .map_err(export_error)
    }

    fn new_sheet(&mut self) -> Result<(), SubmissionsError> {
        let sheet = self
            .workbook
            .add_worksheet_with_constant_memory()
            .map_err(export_error)?;
        for (col, heading) in self.headings.iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, heading, &self.bold)
                .map_err(export_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(export_error)?;
        self.row = 1;
        Ok(())
    }
}

impl Encoder for XlsxEncoder {
    fn begin(&mut self, columns: &[Column]) -> Result<Vec<u8>, SubmissionsError> {
        self.headings = FIXED
            .iter()
            .map(|h| (*h).to_owned())
            .chain(columns.iter().map(Column::heading))
            .collect();
        self.new_sheet()?;
        Ok(Vec::new())
    }

    fn rows(&mut self, columns: &[Column], rows: &[Record]) -> Result<Vec<u8>, SubmissionsError> {
        for record in rows {
            if self.row >= SHEET_ROWS {
                self.new_sheet()?;
            }
            let row = self.row;
            let fixed = record.fixed();
            let location = record.location;
            let sheet = self.sheet()?;
            for (col, text) in fixed.iter().enumerate() {
                sheet
                    .write_string(row, col as u16, safe_cell(text))
                    .map_err(export_error)?;
            }
            sheet
                .write_number(row, 3, record.version)
                .map_err(export_error)?;
            if let Some((lat, lon)) = location {
                sheet.write_number(row, 6, lat).map_err(export_error)?;
                sheet.write_number(row, 7, lon).map_err(export_error)?;
            }
            for (index, column) in columns.iter().enumerate() {
                let col = (FIXED.len() + index) as u16;
                let cell = column.cell(&record.document);
                if cell.is_empty() {
                    continue;
                }
                match cell.parse::<f64>() {
                    Ok(number) if column.kind == "number" && number.is_finite() => {
                        sheet.write_number(row, col, number).map_err(export_error)?;
                    }
                    _ => {
                        sheet
                            .write_string(row, col, safe_cell(&cell))
                            .map_err(export_error)?;
                    }
                }
            }
            self.row += 1;
        }
        Ok(Vec::new())
    }

    fn end(&mut self) -> Result<Ending, SubmissionsError> {
        let file = tempfile::NamedTempFile::new().map_err(export_error)?;
        self.workbook
            .save_to_writer(file.as_file())
            .map_err(export_error)?;
        Ok(Ending::File(file))
    }
}
