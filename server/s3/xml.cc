#include "server/s3/xml.h"

#include <expat.h>

#include "object/errors.h"

namespace strata::server::s3 {
namespace {

constexpr int kMaxDepth = 32;
constexpr size_t kMaxElements = 100000;

struct ParseState {
  XML_Parser parser = nullptr;
  XmlElement root;
  std::vector<XmlElement*> stack;
  bool have_root = false;
  size_t elements = 0;
  std::string error;
};

std::string localName(const char* name) {
  std::string_view n(name);
  size_t colon = n.rfind(':');
  return std::string(colon == std::string_view::npos ? n : n.substr(colon + 1));
}

void fail(ParseState* st, std::string why) {
  if (st->error.empty()) st->error = std::move(why);
  XML_StopParser(st->parser, XML_FALSE);
}

void XMLCALL onStart(void* data, const char* name, const char** /*attrs*/) {
  auto* st = static_cast<ParseState*>(data);
  if (++st->elements > kMaxElements) return fail(st, "too many elements");
  if (static_cast<int>(st->stack.size()) >= kMaxDepth) return fail(st, "nested too deeply");
  if (st->stack.empty()) {
    if (st->have_root) return fail(st, "more than one root element");
    st->have_root = true;
    st->root.name = localName(name);
    st->stack.push_back(&st->root);
    return;
  }
  XmlElement& parent = *st->stack.back();
  parent.children.push_back(XmlElement{localName(name), {}, {}});
  st->stack.push_back(&parent.children.back());
}

void XMLCALL onEnd(void* data, const char* /*name*/) {
  auto* st = static_cast<ParseState*>(data);
  if (!st->stack.empty()) st->stack.pop_back();
}

void XMLCALL onText(void* data, const char* s, int len) {
  auto* st = static_cast<ParseState*>(data);
  if (!st->stack.empty()) st->stack.back()->text.append(s, static_cast<size_t>(len));
}

void XMLCALL onDoctype(void* data, const char*, const char*, const char*, int) {
  fail(static_cast<ParseState*>(data), "DOCTYPE is not allowed");
}

void XMLCALL onEntity(void* data, const char*, int, const char*, int, const char*, const char*,
                      const char*, const char*) {
  fail(static_cast<ParseState*>(data), "entity declarations are not allowed");
}

}  // namespace

const XmlElement* XmlElement::child(std::string_view n) const {
  for (const auto& c : children) {
    if (c.name == n) return &c;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::childrenNamed(std::string_view n) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children) {
    if (c.name == n) out.push_back(&c);
  }
  return out;
}

Result<XmlElement> parseXml(std::string_view document) {
  // Children are pointed at while their parent's vector grows: only the last child of each
  // open element is ever on the stack, and push_back moves it only before it is pushed.
  ParseState st;
  st.parser = XML_ParserCreate("UTF-8");
  if (st.parser == nullptr) return internalError("expat: out of memory");
  XML_SetUserData(st.parser, &st);
  XML_SetElementHandler(st.parser, onStart, onEnd);
  XML_SetCharacterDataHandler(st.parser, onText);
  XML_SetStartDoctypeDeclHandler(st.parser, onDoctype);
  XML_SetEntityDeclHandler(st.parser, onEntity);
  XML_Status rc = XML_Parse(st.parser, document.data(), static_cast<int>(document.size()), XML_TRUE);
  std::string expat_error;
  if (rc != XML_STATUS_OK && st.error.empty()) {
    expat_error = XML_ErrorString(XML_GetErrorCode(st.parser));
  }
  XML_ParserFree(st.parser);
  if (!st.error.empty() || rc != XML_STATUS_OK || !st.have_root) {
    std::string why = !st.error.empty() ? st.error : !expat_error.empty() ? expat_error : "empty document";
    return object::s3Error(Code::kInvalidArgument, "MalformedXML",
                           "the XML you provided was not well-formed: ", why);
  }
  return std::move(st.root);
}

std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

XmlWriter::XmlWriter(std::string_view root) {
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  out_ += root;
  out_ += " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  open_.emplace_back(root);
}

void XmlWriter::open(std::string_view name) {
  out_ += "<";
  out_ += name;
  out_ += ">";
  open_.emplace_back(name);
}

void XmlWriter::close() {
  if (open_.empty()) return;
  out_ += "</" + open_.back() + ">";
  open_.pop_back();
}

void XmlWriter::leaf(std::string_view name, std::string_view text) {
  out_ += "<";
  out_ += name;
  out_ += ">";
  out_ += xmlEscape(text);
  out_ += "</";
  out_ += name;
  out_ += ">";
}

std::string XmlWriter::finish() {
  while (!open_.empty()) close();
  return std::move(out_);
}

}  // namespace strata::server::s3
