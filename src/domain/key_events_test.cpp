#include "vault/domain/key_events.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace vault::domain {
namespace {

TEST(KeyEvents, SubscribersHearWhatTheySubscribedToInOrder) {
  KeyEvents events;
  std::vector<std::string> heard;
  auto a = events.on_dataset_keys_changed([&](const std::string& t, const std::string& d) { heard.push_back("a:" + t + "/" + d); });
  auto b = events.on_dataset_keys_changed([&](const std::string& t, const std::string& d) { heard.push_back("b:" + t + "/" + d); });
  auto c = events.on_tenant_purged([&](const std::string& t) { heard.push_back("c:" + t); });
  events.dataset_keys_changed("t1", "ds1");
  events.tenant_purged("t2");
  EXPECT_EQ(heard, (std::vector<std::string>{"a:t1/ds1", "b:t1/ds1", "c:t2"}));
  EXPECT_EQ(events.subscribers(), 3u);
}

TEST(KeyEvents, ASubscriptionEndsWhenItsTokenGoes) {
  KeyEvents events;
  int calls = 0;
  {
    auto s = events.on_tenant_purged([&](const std::string&) { ++calls; });
    events.tenant_purged("t");
    KeyEvents::Subscription moved = std::move(s);
    events.tenant_purged("t");  // the moved-to token keeps it
    EXPECT_EQ(events.subscribers(), 1u);
  }
  events.tenant_purged("t");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(events.subscribers(), 0u);

  auto s = events.on_dataset_keys_changed([&](const std::string&, const std::string&) { ++calls; });
  s.reset();
  events.dataset_keys_changed("t", "d");
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace vault::domain
