// Wiring of the server: placeholder until the modules land.
int main() { return 0; }
