// placeholder so the module library is never empty
namespace vault { void observability_module_anchor() {} }
