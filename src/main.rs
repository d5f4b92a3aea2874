fn main() {
    distlab_app::start();
}
