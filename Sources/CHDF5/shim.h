// HDF5's predefined types and property lists are macros that expand to H5open() plus a global id;
// Swift cannot import them, so each is a static inline function here; and the one link iteration,
// whose function and callback types are macros that name another version in HDF5 1.12 and later.
#ifndef SOBOLEV_CHDF5_SHIM_H
#define SOBOLEV_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t sobolev_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t sobolev_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t sobolev_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t sobolev_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t sobolev_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t sobolev_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t sobolev_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t sobolev_h5s_all(void) { return H5S_ALL; }
static inline unsigned sobolev_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned sobolev_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned sobolev_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned sobolev_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline size_t sobolev_h5t_variable(void) { return H5T_VARIABLE; }
static inline hsize_t sobolev_h5s_unlimited(void) { return H5S_UNLIMITED; }
/// Silence HDF5's own stderr traces; errors are reported by the caller with file and object names.
static inline void sobolev_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/// Calls `fn(name, context)` for each link of `group`, in name order, in one pass. (Listing by
/// index walks the group's B-tree from its start on every call: n^2/2 node visits for n links.)
typedef void (*sobolev_link_name_fn)(const char *name, void *context);
typedef struct { sobolev_link_name_fn fn; void *context; } sobolev_link_visit;
static herr_t sobolev_link_visit_one(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)group; (void)info;
    sobolev_link_visit *v = (sobolev_link_visit *)data;
    v->fn(name, v->context);
    return 0;
}
static inline herr_t sobolev_h5l_names(hid_t group, sobolev_link_name_fn fn, void *context) {
    sobolev_link_visit v = { fn, context };
    hsize_t index = 0;
    return H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, sobolev_link_visit_one, &v);
}

#endif
