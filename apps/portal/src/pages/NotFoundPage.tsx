import { Anchor, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

export default function NotFoundPage() {
  return (
    <>
      <Title order={2}>Page not found</Title>
      <Text mt="sm">
        Nothing lives at this address. Back to{' '}
        <Anchor component={Link} to="/projects">
          Projects
        </Anchor>
        .
      </Text>
    </>
  );
}
