// placeholder so the module library is never empty
namespace vault { void http_module_anchor() {} }
