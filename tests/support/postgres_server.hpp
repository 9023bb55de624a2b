// Placeholder: a real PostgreSQL for the tests (issue 12), being written.
#pragma once
