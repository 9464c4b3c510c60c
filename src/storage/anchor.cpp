// placeholder so the module library is never empty
namespace vault { void storage_module_anchor() {} }
