#include "server/s3/xml.h"

#include <gtest/gtest.h>

#include "object/errors.h"

namespace strata::server::s3 {
namespace {

TEST(Xml, ParsesDeleteDocument) {
  auto doc = parseXml(
      "<?xml version=\"1.0\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object><Object><Key>c</Key></Object>"
      "</Delete>");
  ASSERT_TRUE(doc.ok()) << doc.status().toString();
  EXPECT_EQ(doc->name, "Delete");
  auto objects = doc->childrenNamed("Object");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0]->child("Key")->text, "a&b");
  EXPECT_EQ(doc->child("Quiet")->text, "true");
}

TEST(Xml, RejectsMalformedAndEntityTricks) {
  for (const char* bad : {"", "<a>", "<a></b>", "<a/><b/>", "not xml",
                          "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>"}) {
    auto doc = parseXml(bad);
    EXPECT_EQ(object::s3CodeOf(doc.status()), "MalformedXML") << bad;
  }
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<a>";
  for (int i = 0; i < 40; ++i) deep += "</a>";
  EXPECT_FALSE(parseXml(deep).ok());
}

TEST(Xml, WriterEscapes) {
  XmlWriter w("R");
  w.leaf("K", "<&\"'>");
  w.open("O");
  w.leaf("X", "1");
  EXPECT_EQ(w.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<R xmlns=\"http://s3.amazonaws.com/doc/"
            "2006-03-01/\"><K>&lt;&amp;&quot;&apos;&gt;</K><O><X>1</X></O></R>");
}

}  // namespace
}  // namespace strata::server::s3
