// OpenBLAS from Debian's libopenblas-dev: CBLAS plus the LAPACK routines that libopenblas
// exports as Fortran symbols (column-major, every argument by pointer).
#ifndef WORKBENCH_COPENBLAS_SHIM_H
#define WORKBENCH_COPENBLAS_SHIM_H

#include <cblas.h>

void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
void spotrs_(const char *uplo, const int *n, const int *nrhs, const float *a, const int *lda,
             float *b, const int *ldb, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv,
            double *b, const int *ldb, int *info);

#endif
