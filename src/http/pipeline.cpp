#include "http/pipeline.hpp"

#include "vault/observability/trace.hpp"

#include <stdexcept>

namespace vault::http {

void RequestRecord::fresh_ids() {
  ctx.request_id = obs::new_request_id();
  ctx.trace_id = obs::new_trace_id();
  ctx.span_id = obs::new_span_id();
}

boost::asio::awaitable<bool> CheckStage::serve(Call& call, Next next) const {
  std::optional<Answer> answer = check(call);
  if (answer) co_return co_await call.io.respond(call, std::move(answer->response), answer->after);
  co_return co_await next();
}

Pipeline::Pipeline(std::vector<std::unique_ptr<Stage>> stages) : stages_(std::move(stages)) {
  checks_.reserve(stages_.size());
  for (const auto& s : stages_) checks_.push_back(dynamic_cast<const CheckStage*>(s.get()));
}

std::vector<std::string_view> Pipeline::names() const {
  std::vector<std::string_view> out;
  out.reserve(stages_.size());
  for (const auto& s : stages_) out.push_back(s->name());
  return out;
}

boost::asio::awaitable<bool> Pipeline::run(Call& call, std::size_t i) const {
  for (; i < stages_.size() && checks_[i]; ++i) {
    std::optional<Answer> answer = checks_[i]->check(call);
    if (answer) co_return co_await call.io.respond(call, std::move(answer->response), answer->after);
  }
  if (i == stages_.size()) throw std::logic_error("the request pipeline ended without an answer");
  co_return co_await stages_[i]->serve(call, [this, &call, i] { return run(call, i + 1); });
}

}  // namespace vault::http
