// Open MPI defines its handles and datatypes as macros over global symbols; Swift cannot import
// those macros, so each one is re-exported as a static inline function. Nothing else belongs here.
#ifndef SOBOLEV_CMPI_SHIM_H
#define SOBOLEV_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm sobolev_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm sobolev_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype sobolev_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype sobolev_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype sobolev_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op sobolev_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op sobolev_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op sobolev_mpi_min(void) { return MPI_MIN; }
static inline int sobolev_mpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int sobolev_mpi_any_tag(void) { return MPI_ANY_TAG; }
static inline int sobolev_mpi_undefined(void) { return MPI_UNDEFINED; }
static inline MPI_Status *sobolev_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Errhandler sobolev_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *sobolev_mpi_in_place(void) { return MPI_IN_PLACE; }

#endif
