import click


@click.command("seed-demo")
@click.option("--offers", default=5000)
def seed_demo(offers: int) -> None:
    raise click.ClickException("not yet")
