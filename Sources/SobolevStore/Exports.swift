// Users of the store see the HDF5 layer and the dataset format too.
@_exported import SobolevHDF5
