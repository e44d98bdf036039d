// Placeholder: HMAC-SHA256 with precomputed key states (filled by the key-guessing work).
#pragma once
