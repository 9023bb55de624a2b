#include "support/postgres_server.hpp"
