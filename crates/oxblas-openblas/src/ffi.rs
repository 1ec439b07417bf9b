//! OpenBLAS's own entry points (not part of CBLAS).

use core::ffi::{c_char, c_int};

extern "C" {
    /// Sets the number of threads OpenBLAS uses for the following calls.
    pub(crate) fn openblas_set_num_threads(num_threads: c_int);
    /// The number of threads OpenBLAS uses.
    pub(crate) fn openblas_get_num_threads() -> c_int;
    /// A static NUL-terminated string: version, build options, core.
    pub(crate) fn openblas_get_config() -> *const c_char;
}
