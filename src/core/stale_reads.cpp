#include "vault/core/stale_reads.hpp"

#include <algorithm>

namespace vault::stale_reads {
namespace {

thread_local std::optional<std::chrono::seconds> t_oldest;

}  // namespace

void reset() { t_oldest.reset(); }

void note(std::chrono::seconds age) { t_oldest = t_oldest ? std::max(*t_oldest, age) : age; }

std::optional<std::chrono::seconds> oldest() { return t_oldest; }

}  // namespace vault::stale_reads
