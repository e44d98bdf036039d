// Placeholder: on-line guessing plans (filled by the key-guessing work).
#pragma once
