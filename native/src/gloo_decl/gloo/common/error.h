// Declaration only (see ../../README.md): nothing of it is named by ProcessGroupGloo.hpp's declarations.
#pragma once
