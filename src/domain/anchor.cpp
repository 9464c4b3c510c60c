// placeholder so the module library is never empty
namespace vault { void domain_module_anchor() {} }
