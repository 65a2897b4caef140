# Writes OUT = IN (server/server.cc) with http::addInodeRoutes wired after the download routes.
file(READ ${IN} text)
if(text MATCHES "addInodeRoutes")
  file(WRITE ${OUT} "${text}")  # already wired upstream
  return()
endif()
string(REPLACE "http::addDownloadRoutes(*impl->router, service, *impl->budget);"
               "http::addDownloadRoutes(*impl->router, service, *impl->budget);\n  http::addInodeRoutes(*impl->router, service, *impl->storage.engine);"
               out "${text}")
if(out STREQUAL text)
  message(FATAL_ERROR "patch_server.cmake: anchor not found in ${IN}")
endif()
file(WRITE ${OUT} "${out}")
