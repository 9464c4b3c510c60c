// placeholder so the module library is never empty
namespace vault { void pii_module_anchor() {} }
