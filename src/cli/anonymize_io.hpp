#pragma once
/// Byte I/O for `vault anonymize`: a buffered line reader over a file
/// descriptor, a buffered writer, and the output target (stdout, a new file
/// or the input itself) that appears under its name only when complete:
/// written to a temporary file in the same directory, fsynced, then renamed.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vault::cli::anon {

/// Reads a file descriptor in 1 MiB blocks (does not own the fd).
class FdReader {
 public:
  explicit FdReader(int fd, std::size_t block = 1 << 20);
  /// The next line without its '\n' (a '\r' before it stays in `line`);
  /// `newline` tells whether the line was terminated. False at the end of
  /// the input or on a read error (see error()).
  bool next_line(std::string& line, bool& newline);
  /// Appends up to `n` bytes to `out`; 0 at the end of the input or on error.
  std::size_t read_some(std::string& out, std::size_t n);
  std::uint64_t consumed() const { return consumed_; }
  int error() const { return errno_; }  ///< errno of a failed read, else 0

 private:
  bool fill();
  int fd_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  std::uint64_t consumed_ = 0;
  bool eof_ = false;
  int errno_ = 0;
};

/// Buffered writes to a file descriptor (does not own the fd).
class FdWriter {
 public:
  explicit FdWriter(int fd, std::size_t block = 1 << 20);
  void write(std::string_view data);
  /// Writes out the buffer; false on a write error (see error()).
  bool flush();
  std::uint64_t written() const { return written_; }
  int error() const { return errno_; }

 private:
  int fd_;
  std::string buf_;
  std::size_t block_;
  std::uint64_t written_ = 0;
  int errno_ = 0;
};

/// Where the anonymized bytes go. "-" is stdout; anything else is written
/// to ".<name>.vault-tmp-XXXXXX" next to it and renamed into place by
/// commit(); the destructor removes an uncommitted temporary file.
class OutputTarget {
 public:
  OutputTarget() = default;
  OutputTarget(const OutputTarget&) = delete;
  OutputTarget& operator=(const OutputTarget&) = delete;
  ~OutputTarget() { abort(); }

  /// Opens the temporary file (mode `mode`, or 0666 & ~umask when unset).
  /// Returns an error message (without file contents) on failure.
  std::optional<std::string> open(const std::string& target, std::optional<mode_t> mode);
  int fd() const { return fd_; }
  bool is_stdout() const { return target_.empty(); }

  /// fsyncs the temporary file; when `backup` is not empty, the current
  /// `target` is hard-linked there first (an existing backup is replaced);
  /// then renames over `target` and fsyncs the directory. Error message on failure.
  std::optional<std::string> commit(const std::string& backup = {});
  /// Removes the temporary file (no-op after commit or for stdout).
  void abort();

 private:
  std::string target_, temp_;
  int fd_ = 1;
};

/// Same file (device and inode) for two existing paths?
bool same_file(const std::string& a, const std::string& b);

}  // namespace vault::cli::anon
