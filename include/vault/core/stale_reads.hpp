#pragma once
/// Reads answered from a fallback copy instead of the store (the read cache,
/// while the metadata store cannot answer), noted on the thread that serves
/// the request so that the HTTP layer can say so in the response: a handler
/// runs on one thread from its start to its end (http/handler.hpp), and the
/// server resets the note before each handler.
#include <chrono>
#include <optional>

namespace vault::stale_reads {

/// Starts a request on this thread: forgets earlier notes.
void reset();
/// Notes a read answered from a copy that is `age` old.
void note(std::chrono::seconds age);
/// The age of the oldest copy noted since reset(), or nullopt when every
/// read of the request came from the store.
std::optional<std::chrono::seconds> oldest();

}  // namespace vault::stale_reads
