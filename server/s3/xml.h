// Minimal XML for the S3 protocol: a small element tree parsed with expat (request bodies of
// DeleteObjects, CompleteMultipartUpload, CreateBucket, PutBucketAcl) and a writer for
// responses. Only server/s3 .cc files include this; expat stays out of every header.
// Pure functions / value types; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace strata::server::s3 {

struct XmlElement {
  std::string name;  // local name (any "prefix:" dropped)
  std::string text;  // concatenated character data directly inside the element
  std::vector<XmlElement> children;

  // The first child named `name`, nullptr when none.
  const XmlElement* child(std::string_view name) const;
  std::vector<const XmlElement*> childrenNamed(std::string_view name) const;
};

// Parses a document; "[MalformedXML]" kInvalidArgument when it is not well-formed, deeper
// than 32 levels, or has more than 100,000 elements. DTDs and entity declarations are
// refused (no entity expansion attacks).
Result<XmlElement> parseXml(std::string_view document);

// Escapes &, <, >, " and ' for element text and attribute values.
std::string xmlEscape(std::string_view text);

// Builds a response document: XmlWriter w("ListBucketResult"); w.leaf("Name", b); ...
class XmlWriter {
 public:
  explicit XmlWriter(std::string_view root);
  void open(std::string_view name);
  void close();
  void leaf(std::string_view name, std::string_view text);
  // Closes every open element and returns the document.
  std::string finish();

 private:
  std::string out_;
  std::vector<std::string> open_;
};

}  // namespace strata::server::s3
