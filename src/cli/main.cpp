#include "app.hpp"

int main(int argc, char** argv) {
    return belay::cli::run(argc, argv);
}
