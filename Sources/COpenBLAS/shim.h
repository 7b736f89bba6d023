// CBLAS from OpenBLAS (pkg-config `openblas`). The enums import as they are; only the thread
// control is declared here so the core can pin one BLAS thread per MPI rank.
#ifndef SOBOLEV_COPENBLAS_SHIM_H
#define SOBOLEV_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
