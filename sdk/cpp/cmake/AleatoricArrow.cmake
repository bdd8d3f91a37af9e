# Defines the INTERFACE target `aleatoric_arrow`: Arrow C++ and Parquet, shared libraries.
#
# Default: an installed Arrow C++ (Apache's APT/YUM repositories, conda-forge, vcpkg,
# Homebrew), found through its CMake packages Arrow and Parquet.
# With ALEATORIC_ARROW_FROM_PYARROW=ON: the headers and libraries inside the pyarrow wheel of
# the Python interpreter Python3_EXECUTABLE (or the first python3 on PATH).
include_guard(GLOBAL)
include(CheckCXXSourceCompiles)

if(TARGET aleatoric_arrow)
  return()
endif()
add_library(aleatoric_arrow INTERFACE)

if(ALEATORIC_ARROW_FROM_PYARROW)
  if(NOT Python3_EXECUTABLE)
    find_package(Python3 REQUIRED COMPONENTS Interpreter)
  endif()
  execute_process(
    COMMAND "${Python3_EXECUTABLE}" -c
      "import pyarrow; print(pyarrow.get_include()); print(pyarrow.get_library_dirs()[0]); print(pyarrow.__version__)"
    OUTPUT_VARIABLE _pa_out RESULT_VARIABLE _pa_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _pa_rc EQUAL 0)
    message(FATAL_ERROR "ALEATORIC_ARROW_FROM_PYARROW=ON but ${Python3_EXECUTABLE} cannot import pyarrow")
  endif()
  string(REPLACE "\n" ";" _pa_out "${_pa_out}")
  list(GET _pa_out 0 ALEATORIC_PYARROW_INCLUDE)
  list(GET _pa_out 1 ALEATORIC_PYARROW_LIBDIR)
  list(GET _pa_out 2 ALEATORIC_PYARROW_VERSION)
  # The wheel ships versioned names only (libarrow.so.2600): link them by full path.
  foreach(_lib arrow parquet)
    file(GLOB _cands "${ALEATORIC_PYARROW_LIBDIR}/lib${_lib}.so.[0-9]*")
    list(FILTER _cands EXCLUDE REGEX "\\.so\\.[0-9]+\\.[0-9]")
    list(LENGTH _cands _n)
    if(NOT _n EQUAL 1)
      message(FATAL_ERROR "expected one lib${_lib}.so.<version> in ${ALEATORIC_PYARROW_LIBDIR}, found: ${_cands}")
    endif()
    set(ALEATORIC_PYARROW_${_lib}_LIB "${_cands}")
  endforeach()
  target_include_directories(aleatoric_arrow SYSTEM INTERFACE "${ALEATORIC_PYARROW_INCLUDE}")
  target_link_libraries(aleatoric_arrow INTERFACE
    "${ALEATORIC_PYARROW_parquet_LIB}" "${ALEATORIC_PYARROW_arrow_LIB}")
  # Executables find the libraries where the wheel keeps them.
  target_link_options(aleatoric_arrow INTERFACE "LINKER:-rpath,${ALEATORIC_PYARROW_LIBDIR}")
  set(ALEATORIC_ARROW_LIBDIR "${ALEATORIC_PYARROW_LIBDIR}")
  message(STATUS "Arrow C++ ${ALEATORIC_PYARROW_VERSION} from pyarrow: ${ALEATORIC_PYARROW_LIBDIR}")
  set(_abi_libs "${ALEATORIC_PYARROW_arrow_LIB}")
  set(_abi_incs "${ALEATORIC_PYARROW_INCLUDE}")
else()
  find_package(Arrow CONFIG REQUIRED)
  find_package(Parquet CONFIG REQUIRED)
  target_link_libraries(aleatoric_arrow INTERFACE Parquet::parquet_shared Arrow::arrow_shared)
  message(STATUS "Arrow C++ ${Arrow_VERSION} from ${Arrow_DIR}")
  set(_abi_libs Arrow::arrow_shared)
  set(_abi_incs "")
endif()

# The libstdc++ ABI (_GLIBCXX_USE_CXX11_ABI) must match the library's: an
# std::string-returning Arrow function links only if it does.
if(NOT DEFINED ALEATORIC_ARROW_ABI_OK)
  set(CMAKE_REQUIRED_LIBRARIES ${_abi_libs})
  set(CMAKE_REQUIRED_INCLUDES ${_abi_incs})
  set(CMAKE_REQUIRED_FLAGS "-std=c++20")
  if(ALEATORIC_ARROW_LIBDIR)
    set(CMAKE_REQUIRED_LINK_OPTIONS "-Wl,-rpath,${ALEATORIC_ARROW_LIBDIR}")
  endif()
  check_cxx_source_compiles([=[
    #include <arrow/status.h>
    int main() { return static_cast<int>(arrow::Status::OK().ToString().size()); }
  ]=] ALEATORIC_ARROW_ABI_OK)
  unset(CMAKE_REQUIRED_LIBRARIES)
  unset(CMAKE_REQUIRED_INCLUDES)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(NOT ALEATORIC_ARROW_ABI_OK)
    unset(ALEATORIC_ARROW_ABI_OK CACHE)
    message(FATAL_ERROR
      "Cannot link a program against Arrow C++: most likely the C++ standard library ABI "
      "differs (_GLIBCXX_USE_CXX11_ABI). Build with the ABI Arrow was built with; the pyarrow "
      "wheels use the C++11 ABI (_GLIBCXX_USE_CXX11_ABI=1, the default of current GCC).")
  endif()
endif()
