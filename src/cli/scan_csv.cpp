// RFC 4180 CSV parsing for `vault scan` (see scan_csv.hpp).
#include "cli/scan_csv.hpp"

namespace vault::cli::scan {

void CsvParser::start_field() {
  field_.value.clear();
  field_.line = line_;
  field_.column = column_;
  field_.verbatim = true;
}

void CsvParser::end_field() {
  record_.push_back(std::move(field_));
  field_ = CsvField{};
  state_ = State::FieldStart;
}

void CsvParser::end_record(const OnRecord& on_record) {
  on_record(record_);
  record_.clear();
  state_ = State::FieldStart;
}

void CsvParser::feed(std::string_view data, const OnRecord& on_record) {
  for (char c : data) {
    bool again = true;
    while (again) {
      again = false;
      switch (state_) {
        case State::FieldStart:
          start_field();
          if (c == '"') {
            state_ = State::Quoted;
            field_.column = column_ + 1;
          } else if (c == ',') {
            end_field();
          } else if (c == '\n') {
            end_field();
            end_record(on_record);
          } else if (c == '\r') {
            state_ = State::AfterCr;
          } else {
            field_.value.push_back(c);
            state_ = State::Unquoted;
          }
          break;
        case State::Unquoted:
          if (c == ',') end_field();
          else if (c == '\n') {
            end_field();
            end_record(on_record);
          } else if (c == '\r') state_ = State::AfterCr;
          else field_.value.push_back(c);
          break;
        case State::Quoted:
          if (c == '"') {
            state_ = State::QuoteInQuoted;
          } else {
            if (c == '\n' || c == '\r') field_.verbatim = false;
            field_.value.push_back(c);
          }
          break;
        case State::QuoteInQuoted:
          if (c == '"') {
            field_.value.push_back('"');
            field_.verbatim = false;
            state_ = State::Quoted;
          } else if (c == ',') {
            end_field();
          } else if (c == '\n') {
            end_field();
            end_record(on_record);
          } else if (c == '\r') {
            state_ = State::AfterCr;
          } else {
            field_.value.push_back(c);
            field_.verbatim = false;
            state_ = State::Unquoted;
          }
          break;
        case State::AfterCr:
          if (c == '\n') {
            end_field();
            end_record(on_record);
          } else {
            field_.value.push_back('\r');
            field_.verbatim = false;
            state_ = State::Unquoted;
            again = true;  // reprocess c as part of the unquoted field
          }
          break;
      }
    }
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;
    }
  }
}

void CsvParser::finish(const OnRecord& on_record) {
  if (state_ == State::FieldStart && record_.empty()) return;
  if (state_ == State::FieldStart) start_field();  // "a," ends with an empty field
  end_field();
  end_record(on_record);
}

std::string csv_format_record(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out.push_back(',');
    const auto& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      out += f;
      continue;
    }
    out.push_back('"');
    for (char c : f) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  return out;
}

}  // namespace vault::cli::scan
