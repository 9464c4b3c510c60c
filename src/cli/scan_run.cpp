// The scanning engine of `vault scan` (see scan_run.hpp).
#include "cli/scan_run.hpp"

#include "cli/progress.hpp"
#include "cli/scan_csv.hpp"
#include "cli/scan_text.hpp"
#include "vault/core/strict_json.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

namespace vault::cli::scan {
namespace {

constexpr std::size_t kBatchBytes = 1 << 20;   // JSONL / CSV bytes per task
constexpr std::size_t kReadBlock = 1 << 20;
constexpr std::size_t kSniffBytes = 8192;      // NUL in these -> binary

/// Fixed worker threads over a bounded queue (the reader blocks when it is
/// full, which bounds the memory in flight).
class WorkPool {
 public:
  WorkPool(unsigned threads, std::size_t capacity) : capacity_(capacity) {
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { loop(); });
  }
  ~WorkPool() { join(); }

  void submit(std::function<void()> task) {
    std::unique_lock lk(mu_);
    not_full_.wait(lk, [&] { return queue_.size() < capacity_; });
    queue_.push_back(std::move(task));
    not_empty_.notify_one();
  }

  void join() {
    {
      std::lock_guard lk(mu_);
      closed_ = true;
    }
    not_empty_.notify_all();
    for (auto& t : workers_)
      if (t.joinable()) t.join();
  }

  std::string error() {
    std::lock_guard lk(mu_);
    return error_;
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lk(mu_);
        not_empty_.wait(lk, [&] { return closed_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
        not_full_.notify_one();
      }
      try {
        task();
      } catch (const std::exception& e) {
        std::lock_guard lk(mu_);
        if (error_.empty()) error_ = e.what();
      }
    }
  }

  std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> workers_;
  bool closed_ = false;
  std::string error_;
};

/// Results of one task; tasks are joined in creation order.
struct Slot {
  std::vector<Hit> hits;
  std::uint64_t parse_errors = 0;
  std::atomic<bool> done{false};  ///< set (release) by the worker when the task ended
};

/// Marks a slot done when the task returns or throws.
struct DoneGuard {
  Slot* slot;
  ~DoneGuard() { slot->done.store(true, std::memory_order_release); }
};

std::uint64_t code_points(std::string_view s) {
  std::uint64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

struct Worker {
  const pii::Scanner& scanner;
  const ScanConfig& config;

  Hit hit(std::size_t file, const pii::Finding& f, std::string_view value) const {
    Hit h;
    h.file = file;
    h.entity = f.entity;
    h.recognizer = f.recognizer;
    h.score = f.score;
    h.preview = mask_value(value);
    if (config.show_values) h.value = std::string(value);
    return h;
  }

  /// Text findings of `buf` (sorted by start) with line/column from `pos`.
  void text_hits(const std::vector<pii::Finding>& found, std::string_view buf, TextPos pos, std::uint64_t abs,
                 std::size_t file, std::vector<Hit>& out) const {
    std::size_t cursor = 0;
    for (const auto& f : found) {
      pos.advance(buf.substr(cursor, f.begin - cursor));
      cursor = f.begin;
      TextPos end = pos;
      end.advance(buf.substr(f.begin, f.end - f.begin));
      Hit h = hit(file, f, buf.substr(f.begin, f.end - f.begin));
      h.line = pos.line;
      h.column = pos.column;
      h.end_line = end.line;
      h.end_column = end.column;
      h.offset = static_cast<std::int64_t>(abs + f.begin);
      out.push_back(std::move(h));
    }
  }

  void text_window(std::size_t file, const TextWindow& w, Slot& slot) const {
    text_hits(scan_window(scanner, w, config.options), w.buf, w.pos, w.abs, file, slot.hits);
  }

  /// Where `value` (a decoded JSON string, or a number's text) appears in `raw`,
  /// searching from `from` first; npos when not found. `len` gets the raw length.
  static std::size_t locate(std::string_view raw, std::string_view value, std::size_t from, std::size_t& len) {
    for (bool ascii : {false, true}) {
      std::string esc = json_escaped(value, ascii);
      if (esc.empty()) return std::string_view::npos;
      auto at = raw.find(esc, std::min(from, raw.size()));
      if (at == std::string_view::npos && from > 0) at = raw.find(esc);
      if (at != std::string_view::npos) {
        len = esc.size();
        return at;
      }
    }
    return std::string_view::npos;
  }

  /// One strict parser per worker thread (the offline limits: deep nesting
  /// and invalid UTF-8 accepted).
  static StrictJsonParser& json_parser() {
    thread_local StrictJsonParser parser({.max_depth = 512, .allow_invalid_utf8 = true});
    return parser;
  }

  void jsonl_batch(std::size_t file, std::string_view batch, std::uint64_t first_line, std::uint64_t abs,
                   Slot& slot) const {
    unsigned char buffer[64 * 1024];
    std::uint64_t line_no = first_line;
    std::size_t start = 0;
    while (start < batch.size()) {
      std::size_t nl = batch.find('\n', start);
      std::size_t stop = nl == std::string_view::npos ? batch.size() : nl;
      std::string_view line = batch.substr(start, stop - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::uint64_t line_abs = abs + start;
      start = stop + 1;
      std::uint64_t this_line = line_no++;
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      boost::json::monotonic_resource mr(buffer, sizeof buffer);
      // Strict: a line with a repeated key is scanned as text, so the value
      // a last-wins parse would drop is still found.
      auto parsed = json_parser().parse(line, boost::json::storage_ptr(&mr));
      if (!parsed) {
        ++slot.parse_errors;
        text_hits(scanner.scan_text(line, config.options), line, TextPos{this_line, 1}, line_abs, file, slot.hits);
        continue;
      }
      const boost::json::value& v = *parsed;
      std::size_t cursor = 0;
      for (const auto& jf : scanner.scan_json(v, config.options)) {
        auto text = leaf_text(v, jf);
        std::string_view match = std::string_view(text).substr(
            std::min(jf.finding.begin, text.size()), jf.finding.end - std::min(jf.finding.begin, jf.finding.end));
        Hit h = hit(file, jf.finding, match);
        h.pointer = jf.path;
        h.line = this_line;
        std::size_t len = 0;
        std::size_t at = locate(line, match, cursor, len);
        if (at != std::string_view::npos) {
          h.column = 1 + code_points(line.substr(0, at));
          h.end_column = h.column + code_points(line.substr(at, len));
          cursor = at + len;
        }
        slot.hits.push_back(std::move(h));
      }
    }
  }

  /// The scanned text of the value a JSON finding points at.
  static std::string leaf_text(const boost::json::value& root, const pii::JsonFinding& jf) {
    if (jf.in_key) return pii::last_pointer_token(jf.path);
    boost::system::error_code ec;
    const auto* v = root.find_pointer(jf.path, ec);
    if (!v) return {};
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    if (v->is_double()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.0f", v->get_double());
      return buf;
    }
    return {};
  }

  void json_document(std::size_t file, const std::string& doc, Slot& slot) const {
    boost::json::monotonic_resource mr;
    auto parsed = json_parser().parse(doc, boost::json::storage_ptr(&mr));
    if (!parsed) {  // invalid, or a repeated key: scanned as text
      ++slot.parse_errors;
      std::size_t off = 0;
      TextWindower windows([&](char* p, std::size_t n) -> long {
        std::size_t k = std::min(n, doc.size() - off);
        std::memcpy(p, doc.data() + off, k);
        off += k;
        return static_cast<long>(k);
      });
      TextWindow w;
      while (windows.next(w)) text_window(file, w, slot);
      return;
    }
    const boost::json::value& v = *parsed;
    std::vector<std::size_t> line_starts{0};
    for (std::size_t i = 0; i < doc.size(); ++i)
      if (doc[i] == '\n') line_starts.push_back(i + 1);
    std::size_t cursor = 0;
    for (const auto& jf : scanner.scan_json(v, config.options)) {
      auto text = leaf_text(v, jf);
      std::string_view match = std::string_view(text).substr(
          std::min(jf.finding.begin, text.size()), jf.finding.end - std::min(jf.finding.begin, jf.finding.end));
      Hit h = hit(file, jf.finding, match);
      h.pointer = jf.path;
      std::size_t len = 0;
      std::size_t at = locate(doc, match, cursor, len);
      if (at != std::string_view::npos) {
        auto it = std::upper_bound(line_starts.begin(), line_starts.end(), at) - 1;
        h.line = static_cast<std::uint64_t>(it - line_starts.begin()) + 1;
        h.column = 1 + code_points(std::string_view(doc).substr(*it, at - *it));
        h.end_column = h.column + code_points(std::string_view(doc).substr(at, len));
        cursor = at + len;
      }
      slot.hits.push_back(std::move(h));
    }
  }

  struct CsvRow {
    std::uint64_t row;
    std::vector<CsvField> fields;
  };

  void csv_batch(std::size_t file, const std::vector<std::string>& header, const std::vector<CsvRow>& rows,
                 Slot& slot) const {
    for (const auto& r : rows) {
      for (std::size_t i = 0; i < r.fields.size(); ++i) {
        const auto& f = r.fields[i];
        if (f.value.empty()) continue;
        std::string name = i < header.size() && !header[i].empty() ? header[i] : "column " + std::to_string(i + 1);
        for (const auto& fd : scanner.scan_field(name, f.value, config.options)) {
          std::string_view match = std::string_view(f.value).substr(fd.begin, fd.end - fd.begin);
          Hit h = hit(file, fd, match);
          h.row = r.row;
          h.column_name = name;
          h.line = f.line;
          if (f.verbatim) {
            h.column = f.column + code_points(std::string_view(f.value).substr(0, fd.begin));
            h.end_column = h.column + code_points(match);
          } else {
            h.column = f.column;
          }
          slot.hits.push_back(std::move(h));
        }
      }
    }
  }
};

/// An open input file (closed on destruction).
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  long read(char* p, std::size_t n) const {
    for (;;) {
      ssize_t r = ::read(fd, p, n);
      if (r < 0 && errno == EINTR) continue;
      return static_cast<long>(r);
    }
  }
};

class Reader {
 public:
  Reader(const Worker& worker, WorkPool& pool, Progress& progress, std::uint64_t total, Report& report,
         ReportWriter& writer)
      : worker_(worker), pool_(pool), progress_(progress), total_(total), report_(report), writer_(writer) {}

  bool clear_bar_ = false;  ///< progress bar on and stdout a terminal

  /// Emits the finished slots at the front, in creation order. With `all`,
  /// every slot must be done (after the pool was joined).
  void drain(bool all = false) {
    while (!slots_.empty() && (all || slots_.front()->done.load(std::memory_order_acquire))) {
      auto& s = *slots_.front();
      report_.parse_errors += s.parse_errors;
      // The progress bar and the report share a terminal: erase the bar first (it is redrawn).
      if (clear_bar_ && !s.hits.empty()) std::fputs("\r\033[K", stderr);
      for (const auto& h : s.hits) {
        ++report_.findings;
        ++report_.by_entity[h.entity];
        writer_.hit(h, report_.files[h.file]);
      }
      slots_.pop_front();
      if (clear_bar_) std::cout.flush();
    }
  }
  std::size_t slot_count() const { return created_; }

  /// Reads one file into tasks. Returns its byte count, or -1 when skipped (reason in `why`).
  std::int64_t file(std::size_t index, const std::string& path, InputFormat format, std::string& why) {
    Fd in{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) {
      why = std::string("unreadable: ") + std::strerror(errno);
      return -1;
    }
    ::posix_fadvise(in.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    char sniff[kSniffBytes];
    ssize_t n = ::pread(in.fd, sniff, sizeof sniff, 0);
    if (n < 0) {
      why = std::string("unreadable: ") + std::strerror(errno);
      return -1;
    }
    if (std::memchr(sniff, '\0', static_cast<std::size_t>(n))) {
      why = "binary";
      return -1;
    }
    std::uint64_t bytes = 0;
    auto read = [&](char* p, std::size_t k) -> long {
      long r = in.read(p, k);
      if (r > 0) {
        bytes += static_cast<std::uint64_t>(r);
        done_ += static_cast<std::uint64_t>(r);
        progress_.update(done_, total_);
      }
      return r;
    };
    bool ok = true;
    switch (format) {
      case InputFormat::Jsonl: ok = jsonl(index, read); break;
      case InputFormat::Json: ok = json(index, read); break;
      case InputFormat::Csv: ok = csv(index, read); break;
      default: ok = text(index, read); break;
    }
    if (!ok) {
      why = std::string("read error: ") + std::strerror(errno);
      return -1;
    }
    return static_cast<std::int64_t>(bytes);
  }

 private:
  Slot* new_slot() {
    slots_.push_back(std::make_unique<Slot>());
    ++created_;
    return slots_.back().get();
  }

  template <class Read>
  bool text(std::size_t index, Read& read) {
    TextWindower windows([&](char* p, std::size_t k) { return read(p, k); });
    for (;;) {
      auto w = std::make_shared<TextWindow>();
      if (!windows.next(*w)) break;
      Slot* slot = new_slot();
      pool_.submit([this, index, w, slot] {
        DoneGuard g{slot};
        worker_.text_window(index, *w, *slot);
      });
      drain();
    }
    return !windows.failed();
  }

  template <class Read>
  bool jsonl(std::size_t index, Read& read) {
    std::string carry;
    std::vector<char> block(kReadBlock);
    std::uint64_t line = 1, abs = 0;
    auto submit = [&](std::string batch) {
      auto b = std::make_shared<std::string>(std::move(batch));
      Slot* slot = new_slot();
      pool_.submit([this, index, b, line, abs, slot] {
        DoneGuard g{slot};
        worker_.jsonl_batch(index, *b, line, abs, *slot);
      });
      drain();
      line += static_cast<std::uint64_t>(std::count(b->begin(), b->end(), '\n'));
      abs += b->size();
    };
    for (;;) {
      long n = read(block.data(), block.size());
      if (n < 0) return false;
      if (n == 0) break;
      carry.append(block.data(), static_cast<std::size_t>(n));
      if (carry.size() < kBatchBytes) continue;
      auto nl = carry.rfind('\n');
      if (nl == std::string::npos) continue;  // one long line: keep reading
      std::string rest = carry.substr(nl + 1);
      carry.resize(nl + 1);
      submit(std::move(carry));
      carry = std::move(rest);
    }
    if (!carry.empty()) submit(std::move(carry));
    return true;
  }

  template <class Read>
  bool json(std::size_t index, Read& read) {
    auto doc = std::make_shared<std::string>();
    std::vector<char> block(kReadBlock);
    for (;;) {
      long n = read(block.data(), block.size());
      if (n < 0) return false;
      if (n == 0) break;
      doc->append(block.data(), static_cast<std::size_t>(n));
    }
    Slot* slot = new_slot();
    pool_.submit([this, index, doc, slot] {
      DoneGuard g{slot};
      worker_.json_document(index, *doc, *slot);
    });
    drain();
    return true;
  }

  template <class Read>
  bool csv(std::size_t index, Read& read) {
    CsvParser parser;
    auto header = std::make_shared<std::vector<std::string>>();
    bool have_header = false;
    std::uint64_t row = 0;
    std::vector<Worker::CsvRow> batch;
    std::size_t batch_bytes = 0;
    auto flush = [&] {
      if (batch.empty()) return;
      auto b = std::make_shared<std::vector<Worker::CsvRow>>(std::move(batch));
      batch.clear();
      batch_bytes = 0;
      Slot* slot = new_slot();
      pool_.submit([this, index, header, b, slot] {
        DoneGuard g{slot};
        worker_.csv_batch(index, *header, *b, *slot);
      });
      drain();
    };
    auto on_record = [&](std::vector<CsvField>& rec) {
      if (!have_header) {
        for (auto& f : rec) header->push_back(std::move(f.value));
        if (header->front().starts_with("\xEF\xBB\xBF")) header->front().erase(0, 3);  // UTF-8 BOM
        have_header = true;
        return;
      }
      for (const auto& f : rec) batch_bytes += f.value.size() + 1;
      batch.push_back({++row, std::move(rec)});
      if (batch_bytes >= kBatchBytes) flush();
    };
    std::vector<char> block(kReadBlock);
    for (;;) {
      long n = read(block.data(), block.size());
      if (n < 0) return false;
      if (n == 0) break;
      parser.feed(std::string_view(block.data(), static_cast<std::size_t>(n)), on_record);
    }
    parser.finish(on_record);
    flush();
    return true;
  }

  const Worker& worker_;
  WorkPool& pool_;
  Progress& progress_;
  std::uint64_t total_;
  std::uint64_t done_ = 0;
  Report& report_;
  ReportWriter& writer_;
  std::deque<std::unique_ptr<Slot>> slots_;  // not yet emitted, creation order
  std::size_t created_ = 0;
};

}  // namespace

std::string json_escaped(std::string_view value, bool ascii) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  auto u = [&](unsigned cp) {
    out += "\\u";
    for (int s = 12; s >= 0; s -= 4) out.push_back(hex[(cp >> s) & 15]);
  };
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20) {
      u(c);
    } else if (c < 0x80 || !ascii) {
      out.push_back(static_cast<char>(c));
    } else {
      // Decode one UTF-8 sequence; invalid bytes are copied as they are.
      int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (len == 1 || i + static_cast<std::size_t>(len) > value.size()) {
        out.push_back(static_cast<char>(c));
        continue;
      }
      unsigned cp = c & (0x3F >> (len - 1));
      for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(value[i + k]) & 0x3F);
      i += static_cast<std::size_t>(len - 1);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        u(0xD800 + (cp >> 10));
        u(0xDC00 + (cp & 0x3FF));
      } else {
        u(cp);
      }
    }
  }
  return out;
}

bool run_scan(const pii::Scanner& scanner, const WalkResult& inputs, const ScanConfig& config, Report& report,
              ReportWriter& writer) {
  auto start = std::chrono::steady_clock::now();
  std::uint64_t total = 0;
  for (const auto& f : inputs.files) total += f.size;
  Progress progress("scan", config.progress);
  Worker worker{scanner, config};
  unsigned threads = std::max(1u, config.threads);
  WorkPool pool(threads, 2 * threads + 2);
  Reader reader(worker, pool, progress, total, report, writer);
  reader.clear_bar_ = config.progress && ::isatty(STDOUT_FILENO) == 1;

  report.skipped = inputs.skipped;
  report.excluded = inputs.excluded;
  report.threads = threads;
  bool ok = true;
  for (const auto& f : inputs.files) {
    InputFormat format = config.input_format == InputFormat::Auto ? format_for_path(f.path) : config.input_format;
    // Registered first: findings of this file may be emitted while it is still being read.
    report.files.push_back({f.path, format, 0});
    std::string why;
    std::size_t first_slot = reader.slot_count();
    std::int64_t bytes = reader.file(report.files.size() - 1, f.path, format, why);
    if (bytes >= 0) {
      report.files.back().bytes = static_cast<std::uint64_t>(bytes);
      continue;
    }
    if (why != "binary") {
      std::cerr << "error: cannot read " << f.path << ": " << why << '\n';
      ok = false;
    }
    report.skipped.emplace_back(f.path, why);
    // Failed part-way: what was read is still reported (the file stays listed).
    if (reader.slot_count() == first_slot) report.files.pop_back();
  }
  pool.join();
  reader.drain(true);
  progress.finish();
  if (auto err = pool.error(); !err.empty()) throw std::runtime_error("scan failed: " + err);
  std::sort(report.skipped.begin(), report.skipped.end());
  report.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return ok;
}

}  // namespace vault::cli::scan
