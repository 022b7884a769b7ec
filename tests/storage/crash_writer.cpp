// The crash-test writer lands with its test.
int main() { return 0; }
