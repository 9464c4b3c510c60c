#include "vault/http/router.hpp"

#include <gtest/gtest.h>

namespace vault::http {
namespace {

Handler named(std::string name) {
  return [name](Request&) {
    Response r;
    r.body = name;
    return r;
  };
}

std::string call(const RouteMatch& m) {
  Request req;
  return m.route->handler(req).body;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    r.add("GET", "/api/v1/datasets", named("list"));
    r.add("POST", "/api/v1/datasets", named("create"));
    r.add("GET", "/api/v1/datasets/{id}", named("get"));
    r.add("PATCH", "/api/v1/datasets/{id}", named("patch"));
    r.add("DELETE", "/api/v1/datasets/{id}", named("delete"));
    r.add("POST", "/api/v1/datasets/{id}:archive", named("archive"));
    r.add("POST", "/api/v1/datasets/{id}:restore", named("restore"));
    r.add("GET", "/api/v1/datasets/{id}/stats", named("stats"));
    r.add("POST", "/api/v1/datasets/{id}/records", named("rec-create"));
    r.add("GET", "/api/v1/datasets/{id}/records", named("rec-list"));
    r.add("POST", "/api/v1/datasets/{id}/records:batch", named("batch"));
    r.add("POST", "/api/v1/datasets/{id}/records:import", named("import"));
    r.add("GET", "/api/v1/datasets/{id}/records:export", named("export"));
    r.add("GET", "/api/v1/datasets/{id}/records/{rid}", named("rec-get"));
    r.add("GET", "/", named("root"));
  }
  Router r;
};

TEST_F(RouterTest, LiteralsAndParams) {
  auto m = r.match("GET", "/api/v1/datasets");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "list");
  EXPECT_EQ(m.route->pattern, "/api/v1/datasets");

  m = r.match("GET", "/api/v1/datasets/ds_123");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "get");
  EXPECT_EQ(m.params.at("id"), "ds_123");
  EXPECT_EQ(m.route->pattern, "/api/v1/datasets/{id}");

  m = r.match("GET", "/api/v1/datasets/ds_1/records/rec_2");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "rec-get");
  EXPECT_EQ(m.params.at("id"), "ds_1");
  EXPECT_EQ(m.params.at("rid"), "rec_2");

  m = r.match("GET", "/");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "root");
}

TEST_F(RouterTest, SuffixedParamsCoexistWithBareOnes) {
  auto m = r.match("POST", "/api/v1/datasets/ds_1:archive");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "archive");
  EXPECT_EQ(m.params.at("id"), "ds_1");
  EXPECT_EQ(m.route->pattern, "/api/v1/datasets/{id}:archive");

  m = r.match("POST", "/api/v1/datasets/ds_1:restore");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "restore");

  m = r.match("PATCH", "/api/v1/datasets/ds_1");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "patch");

  // The more specific pattern owns the path: GET on it is 405, not "get".
  m = r.match("GET", "/api/v1/datasets/ds_1:archive");
  EXPECT_EQ(m.kind, RouteMatch::Kind::MethodNotAllowed);
  EXPECT_EQ(m.allow, "POST");

  // An empty parameter value does not match ":archive" alone.
  m = r.match("POST", "/api/v1/datasets/:archive");
  ASSERT_EQ(m.kind, RouteMatch::Kind::MethodNotAllowed);  // falls back to {id}
  EXPECT_EQ(m.allow, "DELETE, GET, PATCH");
}

TEST_F(RouterTest, LiteralSegmentsWithColon) {
  auto m = r.match("POST", "/api/v1/datasets/ds_9/records:batch");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "batch");
  EXPECT_EQ(m.params.at("id"), "ds_9");
  m = r.match("GET", "/api/v1/datasets/ds_9/records:export");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "export");
  m = r.match("GET", "/api/v1/datasets/ds_9/records");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "rec-list");
  m = r.match("GET", "/api/v1/datasets/ds_9/records:import");
  EXPECT_EQ(m.kind, RouteMatch::Kind::MethodNotAllowed);
  EXPECT_EQ(m.allow, "POST");
}

TEST_F(RouterTest, NotFoundAndMethodNotAllowed) {
  EXPECT_EQ(r.match("GET", "/api/v1/nothing").kind, RouteMatch::Kind::NotFound);
  EXPECT_EQ(r.match("GET", "/api/v1/datasets/ds_1/unknown").kind, RouteMatch::Kind::NotFound);
  EXPECT_EQ(r.match("GET", "/api/v1/datasets/").kind, RouteMatch::Kind::NotFound);  // empty id
  EXPECT_EQ(r.match("GET", "api/v1/datasets").kind, RouteMatch::Kind::NotFound);
  EXPECT_EQ(r.match("GET", "").kind, RouteMatch::Kind::NotFound);
  auto m = r.match("PUT", "/api/v1/datasets");
  EXPECT_EQ(m.kind, RouteMatch::Kind::MethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, POST");
  EXPECT_EQ(m.route, nullptr);
}

TEST_F(RouterTest, ParamsArePercentDecoded) {
  auto m = r.match("GET", "/api/v1/datasets/a%2Fb%20c");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(m.params.at("id"), "a/b c");
  m = r.match("POST", "/api/v1/datasets/ds_1%3Aarchive");  // encoded colon
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "archive");
}

TEST(Router, InvalidPatternsAndDuplicatesThrow) {
  Router r;
  EXPECT_THROW(r.add("GET", "no-slash", named("x")), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/{id", named("x")), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/{}", named("x")), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/{x}{y}", named("x")), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/{x}/b/{x}", named("x")), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a//b", named("x")), std::invalid_argument);
  r.add("get", "/a/{x}", named("x"));  // method is upper-cased
  EXPECT_THROW(r.add("GET", "/a/{x}", named("y")), std::invalid_argument);
  EXPECT_EQ(r.routes().size(), 1u);
  EXPECT_EQ(r.routes()[0]->method, "GET");
}

TEST(Router, SpecificityIsLeftToRight) {
  Router r;
  r.add("GET", "/{a}/x", named("param-first"));
  r.add("GET", "/y/{b}", named("literal-first"));
  auto m = r.match("GET", "/y/x");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "literal-first");
  m = r.match("GET", "/z/x");
  ASSERT_EQ(m.kind, RouteMatch::Kind::Found);
  EXPECT_EQ(call(m), "param-first");
}

TEST(PercentDecode, Cases) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%20b+c", out));
  EXPECT_EQ(out, "a b+c");
  EXPECT_TRUE(percent_decode("a%20b+c", out, true));
  EXPECT_EQ(out, "a b c");
  EXPECT_FALSE(percent_decode("bad%2", out));
  EXPECT_FALSE(percent_decode("bad%zz", out));
  EXPECT_FALSE(percent_decode("%", out));
}

TEST(ParseQuery, Cases) {
  std::map<std::string, std::string> q;
  EXPECT_TRUE(parse_query("limit=10&cursor=a%2Bb&tag=x+y&flag&&limit=20", q));
  EXPECT_EQ(q.at("limit"), "10");
  EXPECT_EQ(q.at("cursor"), "a+b");
  EXPECT_EQ(q.at("tag"), "x y");
  EXPECT_EQ(q.at("flag"), "");
  q.clear();
  EXPECT_FALSE(parse_query("a=%G0", q));
}

}  // namespace
}  // namespace vault::http
