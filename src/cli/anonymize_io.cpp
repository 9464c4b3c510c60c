#include "cli/anonymize_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vault::cli::anon {

FdReader::FdReader(int fd, std::size_t block) : fd_(fd), buf_(block) {}

bool FdReader::fill() {
  if (eof_) return false;
  pos_ = 0;
  len_ = 0;
  for (;;) {
    ssize_t n = ::read(fd_, buf_.data(), buf_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) errno_ = errno;
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    len_ = static_cast<std::size_t>(n);
    return true;
  }
}

bool FdReader::next_line(std::string& line, bool& newline) {
  line.clear();
  newline = false;
  bool any = false;
  for (;;) {
    if (pos_ == len_ && !fill()) return any && errno_ == 0;
    any = true;
    const char* start = buf_.data() + pos_;
    const void* nl = std::memchr(start, '\n', len_ - pos_);
    if (nl) {
      std::size_t n = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
      line.append(start, n);
      pos_ += n + 1;
      consumed_ += n + 1;
      newline = true;
      return true;
    }
    line.append(start, len_ - pos_);
    consumed_ += len_ - pos_;
    pos_ = len_;
  }
}

std::size_t FdReader::read_some(std::string& out, std::size_t n) {
  if (pos_ == len_ && !fill()) return 0;
  std::size_t k = std::min(n, len_ - pos_);
  out.append(buf_.data() + pos_, k);
  pos_ += k;
  consumed_ += k;
  return k;
}

FdWriter::FdWriter(int fd, std::size_t block) : fd_(fd), block_(block) { buf_.reserve(block); }

void FdWriter::write(std::string_view data) {
  if (buf_.size() + data.size() > block_) flush();
  if (data.size() >= block_) {
    buf_.assign(data);
    flush();
    return;
  }
  buf_.append(data);
}

bool FdWriter::flush() {
  std::size_t off = 0;
  while (off < buf_.size() && errno_ == 0) {
    ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      errno_ = errno;
      break;
    }
    off += static_cast<std::size_t>(n);
  }
  written_ += off;
  buf_.clear();
  return errno_ == 0;
}

std::optional<std::string> OutputTarget::open(const std::string& target, std::optional<mode_t> mode) {
  if (target == "-") return std::nullopt;
  namespace fs = std::filesystem;
  auto dir = fs::path(target).parent_path();
  std::string tmpl = ((dir.empty() ? fs::path(".") : dir) /
                      ("." + fs::path(target).filename().string() + ".vault-tmp-XXXXXX"))
                         .string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return "cannot create a temporary file next to " + target + ": " + std::strerror(errno);
  if (!mode) {
    mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  ::fchmod(fd, *mode);
  target_ = target;
  temp_ = tmpl;
  fd_ = fd;
  return std::nullopt;
}

std::optional<std::string> OutputTarget::commit(const std::string& backup) {
  if (target_.empty()) return std::nullopt;
  auto failure = [&](const std::string& what) {
    std::string msg = what + ": " + std::strerror(errno);
    abort();
    return msg;
  };
  if (::fsync(fd_) != 0) return failure("cannot write " + target_);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return failure("cannot write " + target_);
  }
  fd_ = -1;
  if (!backup.empty()) {
    if (::unlink(backup.c_str()) != 0 && errno != ENOENT) return failure("cannot replace " + backup);
    if (::link(target_.c_str(), backup.c_str()) != 0) return failure("cannot create the backup " + backup);
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) return failure("cannot rename into " + target_);
  temp_.clear();
  auto dir = std::filesystem::path(target_).parent_path();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return std::nullopt;
}

void OutputTarget::abort() {
  if (fd_ > 2) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_.empty()) {
    ::unlink(temp_.c_str());
    temp_.clear();
  }
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace vault::cli::anon
